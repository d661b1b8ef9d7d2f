"""The command line's image options: each --image PATH with the answers typed after it, read from disk."""

from pathlib import Path

import click

from .attachments import NewImage
from .intake import read_image
from .models import PEOPLE_ANSWERS
from .posts import PostProblem

IMAGE_ANSWERS = {"--alt": "alt", "--decorative": "decorative", "--people": "people", "--part": "part"}


class BadInput(click.ClickException):
    """What a person typed cannot be used: one line saying what to fix, exit status 2, nothing stored."""

    exit_code = 2


class ImageOptions(click.Command):
    """A command whose --alt, --decorative, --people and --part each describe the --image before them."""

    def parse_args(self, ctx, args):
        """Parse as usual (click checks each value), then group each image's answers by where they were typed."""
        typed = list(args)
        rest = super().parse_args(ctx, args)
        ctx.params["images"] = image_groups(typed, self.params)
        return rest


def image_groups(args: list[str], params) -> list[dict]:
    """Group each --image PATH with the --alt, --decorative, --people and --part typed after it."""
    takes_value = {name: not param.is_flag for param in params if isinstance(param, click.Option)
                   for name in param.opts}
    groups: list[dict] = []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break
        name, equals, value = token.partition("=")
        if name not in takes_value:
            continue
        if takes_value[name] and not equals:
            value = next(tokens, "")  # this option's value, even if it looks like an option (as click reads it)
        if name == "--image":
            groups.append({"path": value})
        elif name in IMAGE_ANSWERS:
            _answer(groups, name, True if name == "--decorative" else value)
    return groups


def _answer(groups: list[dict], option: str, value) -> None:
    """Give the last --image this answer, refusing one before any --image or given twice."""
    if not groups:
        raise BadInput(f"{option} describes an image: put it after the --image PATH it belongs to")
    key, image = IMAGE_ANSWERS[option], groups[-1]
    if key in image:
        raise BadInput(f"image {len(groups)} ({image['path']}) has {option} twice; give each --image one "
                       f"{option}, after it")
    image[key] = value


IMAGE_HELP = """

\b
Attach up to 4 images. Each --image PATH is followed by its own answers:
  --alt TEXT        what the image shows, for people who cannot see it
  --decorative      instead of --alt, for an image that is only decoration
  --people none     no one could be recognised in it, or
  --people agreed   people could be, and they agreed to it being shared
  --part N          the part of a thread it goes on (default 1, the first)
\b
Example:
  recovery-voice posts add --text "Our walk on Sunday, all welcome." \\
    --image walk.jpg --alt "Five people on a hill path in the sun" --people agreed \\
    --image flyer.png --decorative --people none"""


def read_cli_image(position: int, image: dict) -> NewImage:
    """One --image and its answers as a NewImage, its file read (size checked first)."""
    shown = image["path"]
    if image.get("people") not in PEOPLE_ANSWERS:
        raise BadInput(f"image {position} ({shown}): say whether anyone could be recognised in it: add "
                       "--people none after its --image, or --people agreed if they could and agreed to it "
                       "being shared")
    if image.get("decorative") and image.get("alt", "").strip():
        raise BadInput(f"image {position} ({shown}): has both --alt and --decorative; keep one")
    try:
        data = read_image(position, shown, Path(shown), "check the path (a relative one starts from the folder "
                                                        "you run the command in)")
    except PostProblem as error:
        raise BadInput(str(error)) from None
    return NewImage(data, shown, image.get("alt", ""), image.get("decorative", False), image["people"],
                    int(image.get("part", 1)))
