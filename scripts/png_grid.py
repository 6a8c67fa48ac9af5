#!/usr/bin/env python3
"""Tiles 8-bit RGB PNGs (as `ebm plot` writes them) into one PNG, row by row, with a gap between
tiles; a missing tile is left grey. Python's standard library only (zlib), so that the results
script needs nothing beyond Debian's python3.

Usage: png_grid.py OUT COLUMNS TILE... (TILE "-" for an empty cell)
"""
import struct
import sys
import zlib

GAP = 4
GREY = 128


def read_png(path):
    """(width, height, rows of RGB bytes) of a non-interlaced 8-bit RGB PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    at, idat, header = 8, b"", None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if (depth, colour, interlace) != (8, 2, 0):
        raise ValueError(f"{path}: only 8-bit RGB, non-interlaced PNGs are read")
    raw, stride, rows, previous = zlib.decompress(idat), 3 * width, [], bytearray(3 * width)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # undo the row's filter (PNG spec, section 9)
            left = line[i - 3] if i >= 3 else 0
            up, corner = previous[i], previous[i - 3] if i >= 3 else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(line)
        previous = line
    return width, height, rows


def write_png(path, width, height, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
           chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path + ".tmp", "wb") as file:
        file.write(png)
    import os
    os.replace(path + ".tmp", path)  # atomic: never a half-written picture


def main():
    out, columns, tiles = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    images = [None if t == "-" else read_png(t) for t in tiles]
    width, height = next((w, h) for w, h, _ in filter(None, images))
    grid_rows = (len(images) + columns - 1) // columns
    total_width = columns * width + (columns + 1) * GAP
    canvas = [bytearray([255]) * (3 * total_width) for _ in range(grid_rows * height + (grid_rows + 1) * GAP)]
    for index, image in enumerate(images):
        top, left = GAP + (index // columns) * (height + GAP), GAP + (index % columns) * (width + GAP)
        for y in range(height):
            row = image[2][y] if image and image[0] == width and image[1] == height else bytes([GREY]) * (3 * width)
            canvas[top + y][3 * left:3 * (left + width)] = row
    write_png(out, total_width, len(canvas), canvas)


if __name__ == "__main__":
    main()
