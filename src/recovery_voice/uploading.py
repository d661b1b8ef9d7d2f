"""The worker's image uploads: each image of a part fitted to the network, counted against the account's allowance,
uploaded with its alt text and recorded at once, before the part that attaches it is posted."""

import logging

from . import attachments, cards, dispatch, media, ratelimits
from .publishers import FinalError, OutgoingImage, Part, Published, PublishError, Publisher, RetryableError, \
    UnknownOutcome, Uploaded

log = logging.getLogger("recovery_voice.worker")


class ImageUploads:
    """The upload steps of the Worker (engine, config, clock, record_error and allowance come from it)."""

    def upload_images(self, claimed: dispatch.Claimed, publisher: Publisher, part: Part,
                      images: tuple[OutgoingImage, ...], done: list[Published]) -> tuple[Uploaded, ...] | None:
        """Upload the part's images not yet uploaded, recording each at once; None when it stopped (recorded)."""
        with self.engine.begin() as session:
            if publisher.media_kept_for:  # a retry a day later: the network has dropped what no post used
                dispatch.forget_media_before(session, claimed.delivery_id, part.number,
                                             self.clock() - publisher.media_kept_for)
            recorded = dispatch.uploaded_media(session, claimed.delivery_id, part.number)
        uploaded = []
        for image in images:
            if image.position not in recorded:
                if publisher.rate_limited and not self.take_for_upload(claimed, len(done), part.count):
                    return None
                try:
                    recorded[image.position] = self.upload_one(claimed, publisher, part, image)
                except PublishError as error:
                    self.record_error(claimed, upload_error(error), part, done)
                    return None
            uploaded.append(recorded[image.position])
        return tuple(uploaded)

    def take_for_upload(self, claimed: dispatch.Claimed, parts_done: int, count: int) -> bool:
        """Count an upload against the account's allowance; when it is used up, hand the delivery back."""
        now = self.clock()
        with self.engine.begin() as session:
            wait = ratelimits.take(session, claimed.account_id, ratelimits.POST, now)
            if wait:
                dispatch.wait_for_allowance(session, claimed, wait, now, self.id, parts_done, count)
        return wait is None

    def upload_one(self, claimed: dispatch.Claimed, publisher: Publisher, part: Part,
                   image: OutgoingImage) -> Uploaded:
        """Fit one stored image to the network, upload it with its alt text and record the upload."""
        sent = self.fitted_for(publisher, image)
        try:
            uploaded = publisher.upload(sent)
        except PublishError:
            raise
        except Exception as error:  # a bug or an unexpected library error: an upload makes no post, so try again
            log.exception("unexpected error uploading image %s of delivery %s", image.position, claimed.delivery_id)
            raise RetryableError(f"unexpected error uploading image {image.position}: "
                                 f"{error.__class__.__name__}: {error}") from None
        now, left = self.clock(), self.allowance(publisher) if publisher.rate_limited else None
        with self.engine.begin() as session:
            # The upload was taken from the allowance already. Its answer speaks of the media route's own window,
            # which must not replace what the posts' answers said (X: 400 uploads left, 2 posts); only a used-up
            # one holds the account, until its reset.
            if left is not None and left.remaining <= 0:
                ratelimits.exhaust(session, claimed.account_id, ratelimits.POST, left.reset_at)
            return dispatch.record_media(session, claimed, part.number, image.position, uploaded, sent.describe(),
                                         now)

    def fitted_for(self, publisher: Publisher, image: OutgoingImage):
        """The stored image fitted to this account's network, as the PartImage its publisher uploads."""
        media_dir = self.config.media_dir
        try:
            stored = media.find_stored(media_dir, image.digest)
            limits = cards.THUMB_LIMITS if image.position == cards.THUMB_POSITION else publisher.image_limits()
            fitted = media.fit(stored, limits, media_dir)
        except FileNotFoundError:
            raise FinalError(f"image {image.position} is missing from the media folder {media_dir} (it may have "
                             "been deleted or the folder moved); attach it to the post again") from None
        except (media.ImageProblem, OSError) as problem:
            raise FinalError(f"image {image.position} cannot be prepared for {publisher.platform}: {problem}") from None
        return attachments.part_image(fitted, image.alt)


def upload_error(error: PublishError) -> PublishError:
    """An upload with no clear answer made no post, so it is simply tried again (at worst the image goes twice)."""
    if isinstance(error, UnknownOutcome):
        return RetryableError(f"{error}; no post was made, so the image will be uploaded again")
    return error
