#!/usr/bin/env python3
"""Make the two fallback fonts Tandem bundles for Chinese, Japanese and Korean text in its
PDFs (assets/fonts/TandemCJK.ttf and TandemHangul.ttf), from Debian's font packages.

    apt-get download fonts-droid-fallback fonts-nanum   # or use the installed files
    pip install fonttools
    python3 scripts/make-cjk-fonts.py DroidSansFallbackFull.ttf NanumGothic.ttf assets/fonts

What they keep (see docs/export.md, "Scripts"):
- TandemCJK.ttf, from Droid Sans Fallback (Apache 2.0): every character of GB 2312 (6,763
  simplified hanzi), Big5 level 1 (5,401 traditional hanzi), JIS X 0208 (6,355 kanji), kana,
  CJK punctuation and fullwidth forms.
- TandemHangul.ttf, from NanumGothic (SIL OFL 1.1): the 2,350 hangul syllables of KS X 1001
  and the compatibility jamo. A subset is a Modified Version under the OFL, so it is
  renamed (the OFL reserves the name Nanum).
Characters outside them print as a visible code such as [U+9F98] rather than vanish.
"""
import sys

from fontTools import subset
from fontTools.ttLib import TTFont


def codec_chars(encoding, highs, lows):
    chars = set()
    for hi in highs:
        for lo in lows:
            try:
                text = bytes([hi, lo]).decode(encoding)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                chars.add(ord(text))
    return chars


def cjk_chars():
    chars = set()
    chars |= codec_chars("gb2312", range(0xA1, 0xF8), range(0xA1, 0xFF))
    chars |= codec_chars("big5", range(0xA4, 0xC7), list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)))
    chars |= codec_chars("euc_jp", range(0xA1, 0xF5), range(0xA1, 0xFF))
    for lo, hi in [(0x3000, 0x30FF), (0x31F0, 0x31FF), (0xFF00, 0xFFEF)]:
        chars |= set(range(lo, hi + 1))
    # Latin, Greek, Cyrillic and symbols come from the main font (DejaVu Sans).
    return {c for c in chars if c >= 0x2E80 and not (0xAC00 <= c <= 0xD7A3)}


def hangul_chars():
    chars = {c for c in codec_chars("euc_kr", range(0xB0, 0xC9), range(0xA1, 0xFF)) if 0xAC00 <= c <= 0xD7A3}
    return chars | set(range(0x3131, 0x318F))


def make(source, target, chars, family):
    font = TTFont(source)
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "TSI5"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(chars))
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
        elif record.nameID == 6:
            record.string = family.replace(" ", "")
        elif record.nameID == 3:
            record.string = f"{family}; subset made by Tandem"
    font.save(target)
    print(f"{target}: {len(font.getBestCmap())} characters")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    droid, nanum, out = sys.argv[1:]
    make(droid, f"{out}/TandemCJK.ttf", cjk_chars(), "Tandem CJK Fallback")
    make(nanum, f"{out}/TandemHangul.ttf", hangul_chars(), "Tandem Hangul Fallback")
