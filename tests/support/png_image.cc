#include "support/png_image.h"

#include <zlib.h>

#include <cstdlib>
#include <stdexcept>
#include <unordered_set>

#include "support/temp_dir.h"

namespace retentiond::testing {
namespace {

uint32_t big_endian(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

}  // namespace

PngImage read_png(const std::string& path) {
  const std::string file = read_file(path);
  auto fail = [&](const std::string& why) {
    return std::runtime_error("'" + path + "' is not a PNG this test reads: " + why);
  };
  if (file.size() < 8 || file.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) throw fail("no signature");
  PngImage image;
  int channels = 0;
  std::string compressed;
  for (size_t at = 8; at + 12 <= file.size();) {
    const uint32_t length = big_endian(file, at);
    const std::string type = file.substr(at + 4, 4);
    if (at + 12 + length > file.size()) throw fail("truncated chunk " + type);
    const std::string data = file.substr(at + 8, length);
    if (type == "IHDR") {
      image.width = static_cast<int>(big_endian(data, 0));
      image.height = static_cast<int>(big_endian(data, 4));
      const int depth = uint8_t(data[8]), colour = uint8_t(data[9]), interlace = uint8_t(data[12]);
      if (depth != 8 || interlace != 0 || (colour != 2 && colour != 6))
        throw fail("not 8-bit RGB or RGBA, or interlaced");
      channels = colour == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      compressed += data;
    } else if (type == "IEND") {
      break;
    }
    at += 12 + length;
  }
  if (channels == 0 || image.width <= 0 || image.height <= 0) throw fail("no header");
  const size_t stride = static_cast<size_t>(image.width) * channels;
  std::string raw((stride + 1) * image.height, '\0');
  uLongf raw_size = raw.size();
  if (uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                 reinterpret_cast<const Bytef*>(compressed.data()), compressed.size()) != Z_OK ||
      raw_size != raw.size())
    throw fail("its image data does not inflate");
  // Undo each row's filter (PNG specification, section 9).
  std::vector<uint8_t> previous(stride, 0), row(stride);
  image.pixels.reserve(static_cast<size_t>(image.width) * image.height);
  for (int y = 0; y < image.height; ++y) {
    const uint8_t filter = uint8_t(raw[y * (stride + 1)]);
    const uint8_t* in = reinterpret_cast<const uint8_t*>(raw.data()) + y * (stride + 1) + 1;
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= size_t(channels) ? row[i - channels] : 0;
      const int b = previous[i];
      const int c = i >= size_t(channels) ? previous[i - channels] : 0;
      int predictor = 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) / 2;
          break;
        case 4:
          predictor = paeth(a, b, c);
          break;
        default:
          throw fail("unknown row filter");
      }
      row[i] = static_cast<uint8_t>(in[i] + predictor);
    }
    for (int x = 0; x < image.width; ++x) {
      const uint8_t* p = &row[static_cast<size_t>(x) * channels];
      image.pixels.push_back((uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2]);
    }
    previous = row;
  }
  return image;
}

long long pixels_near(const PngImage& image, uint32_t rgb, int tolerance) {
  long long n = 0;
  for (uint32_t p : image.pixels) {
    bool near = true;
    for (int shift : {16, 8, 0})
      near = near && std::abs(int((p >> shift) & 0xff) - int((rgb >> shift) & 0xff)) <= tolerance;
    if (near) ++n;
  }
  return n;
}

size_t distinct_colours(const PngImage& image, size_t limit) {
  std::unordered_set<uint32_t> seen;
  for (uint32_t p : image.pixels) {
    seen.insert(p);
    if (seen.size() >= limit) break;
  }
  return seen.size();
}

}  // namespace retentiond::testing
