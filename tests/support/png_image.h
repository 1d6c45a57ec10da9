// Reads the PNG screenshots headless Chromium takes, so that a test can tell a blank page from a
// drawn one: 8-bit RGB or RGBA, not interlaced (what Chromium writes), through zlib only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace retentiond::testing {

struct PngImage {
  int width = 0;
  int height = 0;
  std::vector<uint32_t> pixels;  // 0xRRGGBB, row by row (alpha dropped)
};

// Decodes the PNG at `path`. Throws std::runtime_error, naming the path, for a file that is not
// such a PNG.
PngImage read_png(const std::string& path);

// How many pixels of `image` have the colour `rgb` (0xRRGGBB) give or take `tolerance` on each
// channel (anti-aliased edges differ slightly; a bar's inside does not).
long long pixels_near(const PngImage& image, uint32_t rgb, int tolerance = 2);

// How many distinct colours `image` holds, counting up to `limit`.
size_t distinct_colours(const PngImage& image, size_t limit = 1000);

}  // namespace retentiond::testing
