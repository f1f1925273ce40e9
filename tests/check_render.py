#!/usr/bin/env python3
"""Decodes a PNG or animated PNG written by examples/render.c with Python's
zlib and checks it: signature, chunk order, every CRC, IHDR (8-bit palette),
PLTE, acTL / fcTL / fdAT sequence numbers, each frame inflating to exactly
height * (1 + width) bytes with valid filter bytes and palette indices, and
(for an animation) that consecutive frames are not all identical.
Standard library only.

usage: check_render.py FILE --width W --height H [--min-frames N]
"""
import argparse
import struct
import sys
import zlib


def chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG signature")
    pos = 8
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError("truncated chunk at byte %d" % pos)
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if len(body) != length:
            raise ValueError("chunk %r truncated" % ctype)
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise ValueError("bad CRC in chunk %r at byte %d" % (ctype, pos))
        yield ctype.decode("ascii"), body
        pos += 12 + length


def decode(path):
    data = open(path, "rb").read()
    seen = list(chunks(data))
    if not seen or seen[0][0] != "IHDR" or seen[-1][0] != "IEND":
        raise ValueError("IHDR must come first and IEND last")
    w, h, depth, ctype, comp, filt, inter = struct.unpack(">IIBBBBB", seen[0][1])
    if (depth, ctype, comp, filt, inter) != (8, 3, 0, 0, 0):
        raise ValueError("expected an 8-bit palette image, got depth %d type %d" % (depth, ctype))
    palette = [b for n, b in seen if n == "PLTE"]
    if len(palette) != 1 or len(palette[0]) % 3:
        raise ValueError("expected one PLTE chunk")
    n_colours = len(palette[0]) // 3
    actl = [b for n, b in seen if n == "acTL"]
    frames, seq, current = [], 0, None
    for name, body in seen:
        if name == "fcTL":
            (s, fw, fh, x, y) = struct.unpack(">IIIII", body[:20])
            if s != seq:
                raise ValueError("fcTL sequence %d, expected %d" % (s, seq))
            seq += 1
            if (fw, fh, x, y) != (w, h, 0, 0):
                raise ValueError("frame %d is not the full image" % len(frames))
            current = bytearray()
            frames.append(current)
        elif name == "IDAT":
            if current is None:  # a still PNG, or an APNG whose default image is no frame
                current = bytearray()
                frames.append(current)
            current += body
        elif name == "fdAT":
            (s,) = struct.unpack(">I", body[:4])
            if s != seq:
                raise ValueError("fdAT sequence %d, expected %d" % (s, seq))
            seq += 1
            current += body[4:]
    if actl:
        (n_frames, _plays) = struct.unpack(">II", actl[0])
        if n_frames != len(frames):
            raise ValueError("acTL says %d frames, found %d" % (n_frames, len(frames)))
    pixels = []
    for i, z in enumerate(frames):
        raw = zlib.decompress(bytes(z))
        if len(raw) != h * (w + 1):
            raise ValueError("frame %d inflates to %d bytes, expected %d" % (i, len(raw), h * (w + 1)))
        rows = []
        for r in range(h):
            f = raw[r * (w + 1)]
            if f != 0:
                raise ValueError("frame %d row %d: filter %d (the writer uses 0)" % (i, r, f))
            rows.append(raw[r * (w + 1) + 1:(r + 1) * (w + 1)])
        img = b"".join(rows)
        if max(img) >= n_colours:
            raise ValueError("frame %d uses colour %d of %d" % (i, max(img), n_colours))
        pixels.append(img)
    return w, h, pixels, bool(actl)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--min-frames", type=int, default=1)
    a = ap.parse_args()
    try:
        w, h, pixels, animated = decode(a.file)
        if (w, h) != (a.width, a.height):
            raise ValueError("size %d x %d, expected %d x %d" % (w, h, a.width, a.height))
        if len(pixels) < a.min_frames:
            raise ValueError("%d frames, expected at least %d" % (len(pixels), a.min_frames))
        if len(pixels) > 1 and all(p == pixels[0] for p in pixels[1:]):
            raise ValueError("all %d frames are identical" % len(pixels))
        if len(set(pixels[0])) < 2:
            raise ValueError("the first frame is a single colour")
    except (ValueError, zlib.error, struct.error, OSError) as e:
        print("check_render: %s: %s" % (a.file, e))
        return 1
    print("check_render: %s: %d x %d, %d frame(s)%s, decoded with zlib"
          % (a.file, w, h, len(pixels), " (APNG)" if animated else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
