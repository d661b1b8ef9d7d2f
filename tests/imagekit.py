"""Test images made in memory: phone photos carrying GPS and every other kind of metadata, screenshots, bombs."""

import io
import struct
import zlib

from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageFont

GPS_LATITUDE = (51.0, 30.0, 12.34)
SECRET_WORDS = (b"TestCam", b"HomeStreet", b"xmpmeta", b"http://ns.adobe.com/xap/1.0/", b"secret comment",
                b"ICC_PROFILE", b"Photoshop 3.0", b"Exif\x00\x00")
def gradient_noise(width: int, height: int, sigma: float = 40) -> Image.Image:
    """A photo-like picture: gradients with noise in every channel (hard to compress, like a real photo)."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = [Image.effect_noise((width, height), sigma) for _ in range(2)]
    return Image.merge("RGB", (noise[0], gradient, ImageChops.add(noise[1], gradient, scale=2)))


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    """EXIF naming a camera, an orientation, an owner's note and a GPS position, as a phone writes it."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0112] = orientation
    exif[0x010E] = "HomeStreet 12"  # ImageDescription
    exif[0x8825] = {1: "N", 2: GPS_LATITUDE, 3: "W", 4: (0.0, 7.0, 39.0)}  # the GPS IFD
    return exif


def with_iptc(jpeg: bytes) -> bytes:
    """The JPEG with a Photoshop/IPTC segment (APP13) inserted after its start marker."""
    payload = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0e\x1c\x02\x5a\x00\x0aHomeStreet"
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def phone_photo(image: Image.Image | None = None, orientation: int = 1) -> bytes:
    """A JPEG carrying everything that can give a place away: EXIF and GPS, XMP, IPTC, an ICC profile, a comment."""
    image = image or gradient_noise(640, 480)
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.2N"/>'
           b'</rdf:RDF></x:xmpmeta>')
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif_with_gps(orientation), xmp=xmp, icc_profile=icc,
               comment=b"secret comment")
    return with_iptc(out.getvalue())


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    """The image saved in memory as `fmt`."""
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels with almost no data: how a decompression bomb starts."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + \
        chunk(b"IEND", b"")


def screenshot(width: int = 2560, height: int = 1440) -> Image.Image:
    """A screenshot-like picture: flat panels and lines of text."""
    image = Image.new("RGB", (width, height), "#f4f1ea")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 120), fill="#2d5d7b")
    draw.rectangle((80, 200, width // 3, height - 80), fill="#ffffff", outline="#c8c8c8", width=3)
    font = ImageFont.load_default(size=30)
    for line in range(28):
        draw.text((width // 3 + 60, 180 + line * 44), f"Tuesday café {line}: peer support, 7pm, all welcome. "
                  "Bring a friend if you like.", fill="#1a1a1a", font=font)
    draw.text((40, 40), "Recovery Café — this week", fill="#ffffff", font=font)
    return image


def bad_image_files(folder) -> dict:
    """Image files of every bad kind written into `folder`: name -> words the refusal must hold."""
    files = {
        "minutes.jpg": (b"Minutes of the Tuesday meeting\n" * 40, "is not an image"),
        "lying.jpg": (encoded(gradient_noise(64, 64), "PNG"), "is named .jpg but is really a PNG"),
        "cut.jpg": (phone_photo()[:20_000], "cut short or damaged"),
        "poster.png": (png_header(10_000, 5_001), "over the 50-megapixel limit"),
        "bomb.png": (png_header(30_000, 30_000), "decompression bomb"),
        "dance.gif": (encoded(Image.new("RGB", (20, 20), "red"), "GIF", save_all=True,
                              append_images=[Image.new("RGB", (20, 20), "blue")]), "animated GIF"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    with open(folder / "huge.jpg", "wb") as handle:  # sparse: 21 MB on paper, refused from its size alone
        handle.write(b"\xff\xd8\xff\xe0")
        handle.truncate(21_000_000)
    return {name: words for name, (_, words) in files.items()} | {"huge.jpg": "is 21.0 MB, over the 20 MB limit"}
