#include "tools/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>
#include <vector>

#include <stb_easy_font.h>
#include <stb_image_write.h>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"
#include "io/atomic_file.hpp"
#include "tools/cli_error.hpp"

namespace ebm::tools {

std::vector<std::array<int, 4>> text_rectangles(const std::string& text) {
  // stb_easy_font writes a quad (4 vertices of 16 bytes) per stroke while the buffer has room and
  // silently drops the rest, so the buffer grows until the strokes fit with room to spare.
  std::vector<char> vertices(64 * (text.size() + 1));
  std::string copy = text;
  int quads = 0;
  for (;;) {
    quads = stb_easy_font_print(0, 0, copy.data(), nullptr, vertices.data(), static_cast<int>(vertices.size()));
    if (static_cast<std::size_t>(quads + 1) * 64 <= vertices.size()) break;
    vertices.resize(vertices.size() * 2);
  }
  std::vector<std::array<int, 4>> rectangles;
  for (int q = 0; q < quads; ++q) {
    float corners[10];  // the first and third vertex: top-left (0, 1) and bottom-right (8, 9)
    std::memcpy(corners, vertices.data() + static_cast<std::ptrdiff_t>(q) * 64, sizeof corners);
    rectangles.push_back({static_cast<int>(corners[0]), static_cast<int>(corners[1]), static_cast<int>(corners[8]),
                          static_cast<int>(corners[9])});
  }
  return rectangles;
}

namespace {

using Colour = std::array<unsigned char, 3>;

/// The height of a title's line above a picture's own headings (glyphs at scale 2 are 14 pixels).
constexpr int kTitleHeight = 24;

/// An RGB image with drawing primitives.
class Canvas {
 public:
  Canvas(int width, int height) : width_(width), height_(height), pixels_(static_cast<std::size_t>(width * height * 3), 255) {}
  void set(int x, int y, Colour c) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
    std::copy(c.begin(), c.end(), pixels_.begin() + 3 * (static_cast<std::ptrdiff_t>(y) * width_ + x));
  }
  void rectangle(int x0, int y0, int x1, int y1, Colour c) {
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) set(x, y, c);
    }
  }
  /// A one-pixel frame just outside the area width × height at (left, top).
  void frame(int left, int top, int width, int height, Colour c) {
    rectangle(left - 1, top - 1, left + width + 1, top, c);
    rectangle(left - 1, top + height, left + width + 1, top + height + 1, c);
    rectangle(left - 1, top - 1, left, top + height + 1, c);
    rectangle(left + width, top - 1, left + width + 1, top + height + 1, c);
  }
  /// Text with its top-left corner at (x, y), scaled ×scale.
  void text(int x, int y, const std::string& text, Colour c, int scale = 1) {
    for (const auto& [left, top, right, bottom] : text_rectangles(text)) {
      rectangle(x + left * scale, y + top * scale, x + right * scale, y + bottom * scale, c);
    }
  }
  static int text_width(const std::string& text, int scale = 1) {
    std::string copy = text;
    return stb_easy_font_width(copy.data()) * scale;
  }
  /// A line from (x0, y0) to (x1, y1), one pixel wide.
  void line(double x0, double y0, double x1, double y1, Colour c) {
    const int steps = std::max(1, static_cast<int>(std::ceil(std::max(std::abs(x1 - x0), std::abs(y1 - y0)))));
    for (int k = 0; k <= steps; ++k) {
      const double t = static_cast<double>(k) / steps;
      set(static_cast<int>(std::lround(x0 + t * (x1 - x0))), static_cast<int>(std::lround(y0 + t * (y1 - y0))), c);
    }
  }
  /// An arrow: its shaft, and a head of two strokes at ±30° a third of its length long (at most 5 pixels).
  void arrow(const Arrow& a, Colour c) {
    line(a.tail_x, a.tail_y, a.head_x, a.head_y, c);
    const double dx = a.head_x - a.tail_x, dy = a.head_y - a.tail_y, length = std::hypot(dx, dy);
    if (length < 1) return;
    const double head = std::min(5.0, length / 3), ux = dx / length, uy = dy / length;
    const double cosine = std::cos(std::numbers::pi / 6), sine = std::sin(std::numbers::pi / 6);
    for (double side : {-1.0, 1.0}) {
      const double bx = -(ux * cosine - side * uy * sine), by = -(side * ux * sine + uy * cosine);
      line(a.head_x, a.head_y, a.head_x + head * bx, a.head_y + head * by, c);
    }
  }
  std::string png() const {
    std::string out;
    stbi_write_png_to_func(
        [](void* context, void* data, int size) { static_cast<std::string*>(context)->append(static_cast<char*>(data), static_cast<std::size_t>(size)); },
        &out, width_, height_, 3, pixels_.data(), width_ * 3);
    return out;
  }

 private:
  int width_;
  int height_;
  std::vector<unsigned char> pixels_;
};

/// Writes the canvas as a PNG file, atomically.
void write_png(const std::string& path, const Canvas& canvas) {
  try {
    io::write_file_atomically(path, canvas.png());
  } catch (const std::exception& error) {
    throw CliError(kIoError, error.what());
  }
}

/// Viridis, by linear interpolation between five of its colours; t in [0, 1].
Colour viridis(double t) {
  static const double anchors[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(t, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  Colour c;
  for (int k = 0; k < 3; ++k) c[k] = static_cast<unsigned char>(anchors[i][k] + f * (anchors[i + 1][k] - anchors[i][k]));
  return c;
}

/// Tick positions at 1, 2 or 5 × 10ᵏ spacing, about five across [low, high].
std::vector<double> nice_ticks(double low, double high) {
  const double raw = (high - low) / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (factor * magnitude >= raw) {
      step = factor * magnitude;
      break;
    }
  }
  std::vector<double> ticks;
  for (double t = std::ceil(low / step) * step; t <= high + 1e-9 * step; t += step) ticks.push_back(std::abs(t) < 1e-12 ? 0 : t);
  return ticks;
}

/// Points [N, 2] from flat (x, y) pairs, float32 on the device of the energy's parameters, as the
/// plots evaluate energies.
Tensor plot_points(const energies::EnergyFunction& energy, std::vector<double> coordinates) {
  const std::vector<Tensor> parameters = energy.parameters();
  const auto count = static_cast<int64_t>(coordinates.size() / 2);
  return tensor(std::move(coordinates), {count, 2}, DType::Float32, parameters.empty() ? Device::CPU : parameters.front().device());
}

std::string label(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

}  // namespace

std::vector<Arrow> score_arrows(const energies::EnergyFunction& energy, const std::array<double, 4>& box, int width,
                                int height, int spacing) {
  const int columns = std::max(2, width / spacing), rows = std::max(2, height / spacing);
  const double cell_width = static_cast<double>(width) / columns, cell_height = static_cast<double>(height) / rows;
  std::vector<double> coordinates;
  for (int row = 0; row < rows; ++row) {
    for (int column = 0; column < columns; ++column) {
      coordinates.push_back(box[0] + (column + 0.5) / columns * (box[1] - box[0]));
      coordinates.push_back(box[3] - (row + 0.5) / rows * (box[3] - box[2]));
    }
  }
  std::vector<double> score;
  {
    NoGradGuard no_grad;
    score = energy.score(plot_points(energy, std::move(coordinates))).to_vector();
  }
  // The score in pixels per unit of x and y (y points down in the image).
  const double x_scale = width / (box[1] - box[0]), y_scale = height / (box[3] - box[2]);
  std::vector<double> lengths;
  for (std::size_t i = 0; i + 1 < score.size(); i += 2) {
    const double length = std::hypot(score[i] * x_scale, score[i + 1] * y_scale);
    if (std::isfinite(length)) lengths.push_back(length);
  }
  std::vector<Arrow> arrows;
  if (lengths.empty()) return arrows;
  std::vector<double> sorted = lengths;
  std::sort(sorted.begin(), sorted.end());
  const double reference = sorted[sorted.size() * 95 / 100];
  const double longest = 0.9 * std::min(cell_width, cell_height);
  const double factor = reference > 0 ? longest / reference : 0;
  for (int row = 0; row < rows; ++row) {
    for (int column = 0; column < columns; ++column) {
      const auto i = static_cast<std::size_t>(2 * (row * columns + column));
      double dx = score[i] * x_scale * factor, dy = -score[i + 1] * y_scale * factor;
      if (!std::isfinite(dx) || !std::isfinite(dy)) continue;
      const double length = std::hypot(dx, dy);
      if (length > longest) {
        dx *= longest / length;
        dy *= longest / length;
      }
      const double x = (column + 0.5) * cell_width, y = (row + 0.5) * cell_height;
      arrows.push_back({x - dx / 2, y - dy / 2, x + dx / 2, y + dy / 2});
    }
  }
  return arrows;
}

void plot_energy(const std::string& path, const energies::EnergyFunction& energy, const std::array<double, 4>& box,
                 const Tensor& data, const Tensor& samples, const PlotOptions& options) {
  if (options.width < 200 || options.height < 160 || options.width > 8000 || options.height > 8000) {
    throw CliError(kUsageError, "plot size must be between 200×160 and 8000×8000 pixels");
  }
  const int left = 60, right = 100, top = 30, bottom = 45;
  const int plot_width = options.width - left - right;
  const int plot_height = options.height - top - bottom;
  const double x_min = box[0], x_max = box[1], y_min = box[2], y_max = box[3];

  // The field at every pixel centre of the plot area, in batches.
  std::vector<double> field;
  {
    NoGradGuard no_grad;
    std::vector<double> coordinates;
    coordinates.reserve(static_cast<std::size_t>(plot_width * plot_height * 2));
    for (int row = 0; row < plot_height; ++row) {
      for (int column = 0; column < plot_width; ++column) {
        coordinates.push_back(x_min + (column + 0.5) / plot_width * (x_max - x_min));
        coordinates.push_back(y_max - (row + 0.5) / plot_height * (y_max - y_min));
      }
    }
    const int64_t total = static_cast<int64_t>(plot_width) * plot_height;
    for (int64_t first = 0; first < total; first += 16384) {
      const int64_t count = std::min<int64_t>(16384, total - first);
      const Tensor points = plot_points(energy, std::vector<double>(coordinates.begin() + 2 * first, coordinates.begin() + 2 * (first + count)));
      const std::vector<double> values = energy(points).to_vector();
      field.insert(field.end(), values.begin(), values.end());
    }
  }
  std::vector<double> sorted;
  for (double v : field) {
    if (std::isfinite(v)) sorted.push_back(v);
  }
  if (sorted.empty()) throw CliError(kModelError, "the model's energy is not finite anywhere in the plot's box");
  std::sort(sorted.begin(), sorted.end());
  const double lowest = sorted.front();
  // Energies: min to the 95th percentile (a few high values would wash out the picture).
  // Densities: exp(−(E − min E)) in [0, 1].
  const double scale_low = options.density ? 0.0 : lowest;
  const double scale_high = options.density ? 1.0 : std::max(sorted[sorted.size() * 95 / 100], lowest + 1e-9);
  const auto shade = [&](double e) {
    const double value = options.density ? std::exp(-(e - lowest)) : e;
    return viridis(std::isfinite(value) ? (value - scale_low) / (scale_high - scale_low) : 1.0);
  };

  Canvas canvas(options.width, options.height);
  for (int row = 0; row < plot_height; ++row) {
    for (int column = 0; column < plot_width; ++column) canvas.set(left + column, top + row, shade(field[static_cast<std::size_t>(row * plot_width + column)]));
  }
  const auto pixel_of = [&](double x, double y) {
    return std::array<int, 2>{left + static_cast<int>((x - x_min) / (x_max - x_min) * plot_width),
                              top + static_cast<int>((y_max - y) / (y_max - y_min) * plot_height)};
  };
  const auto scatter = [&](const Tensor& points, Colour colour) {
    if (!points.defined() || points.size(0) == 0) return;
    const std::vector<double> v = points.to_vector();
    const int64_t n = points.size(0), stride = std::max<int64_t>(1, n / 2000), d = points.size(1);
    for (int64_t i = 0; i < n; i += stride) {
      const auto [px, py] = pixel_of(v[static_cast<std::size_t>(i * d)], v[static_cast<std::size_t>(i * d + 1)]);
      if (px >= left && px < left + plot_width && py >= top && py < top + plot_height) canvas.rectangle(px - 1, py - 1, px + 1, py + 1, colour);
    }
  };
  if (options.score) {
    for (Arrow arrow : score_arrows(energy, box, plot_width, plot_height)) {
      arrow.tail_x += left;
      arrow.head_x += left;
      arrow.tail_y += top;
      arrow.head_y += top;
      canvas.arrow(arrow, {255, 255, 255});
    }
  }
  scatter(data, {255, 255, 255});
  scatter(samples, {230, 40, 40});

  // Frame, ticks and labels.
  const Colour ink = {0, 0, 0};
  canvas.frame(left, top, plot_width, plot_height, ink);
  for (double t : nice_ticks(x_min, x_max)) {
    const int px = pixel_of(t, y_min)[0];
    canvas.rectangle(px, top + plot_height, px + 1, top + plot_height + 6, ink);
    const std::string text = label(t);
    canvas.text(px - Canvas::text_width(text, 2) / 2, top + plot_height + 10, text, ink, 2);
  }
  for (double t : nice_ticks(y_min, y_max)) {
    const int py = pixel_of(x_min, t)[1];
    canvas.rectangle(left - 6, py, left, py + 1, ink);
    const std::string text = label(t);
    canvas.text(left - 10 - Canvas::text_width(text, 2), py - 6, text, ink, 2);
  }
  // The legend; after a title, in small glyphs where it fits beside it.
  const std::string legend = std::string(options.density ? "density exp(-E)" : "energy E(x)") +
                             (options.score ? "   arrows: score -grad E" : "") + "   white: data   red: samples";
  const int room = options.width - left - 10;
  if (options.title.empty()) {
    canvas.text(left, 6, legend, ink, Canvas::text_width(legend, 2) <= room ? 2 : 1);
  } else {
    canvas.text(left, 6, options.title, ink, 2);
    const int beside = Canvas::text_width(options.title, 2) + 16;
    if (beside + Canvas::text_width(legend, 1) <= room) canvas.text(left + beside, 10, legend, ink, 1);
  }

  // Colour bar with its range.
  const int bar_left = left + plot_width + 20, bar_width = 16;
  for (int row = 0; row < plot_height; ++row) {
    canvas.rectangle(bar_left, top + row, bar_left + bar_width, top + row + 1, viridis(1.0 - static_cast<double>(row) / plot_height));
  }
  canvas.text(bar_left + bar_width + 4, top - 4, label(scale_high), ink, 2);
  canvas.text(bar_left + bar_width + 4, top + plot_height - 12, label(scale_low), ink, 2);

  write_png(path, canvas);
}

void plot_images(const std::string& path, const Tensor& data, const Tensor& samples, int height, int width, int count, const std::string& title) {
  const int64_t pixels = static_cast<int64_t>(height) * width;
  for (const Tensor* rows : {&data, &samples}) {
    if (rows->defined() && rows->size(1) != pixels) {
      throw CliError(kUsageError, "--image-shape " + std::to_string(height) + "," + std::to_string(width) + " needs " + std::to_string(pixels) +
                                      " columns, and the " + (rows == &data ? "data" : "samples") + " have " + std::to_string(rows->size(1)));
    }
  }
  // Grey levels over the data's range (the samples' when there is no data).
  const std::vector<double> reference = (data.defined() ? data : samples).to_vector();
  const auto [lowest, highest] = std::minmax_element(reference.begin(), reference.end());
  const double low = *lowest, high = std::max(*highest, *lowest + 1e-12);
  const int per_row = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
  const int heading = title.empty() ? 0 : kTitleHeight;
  const int scale = std::max(1, 48 / std::max(height, width)), gap = 4, margin = 20, top = 30 + heading;
  const int grid = per_row * (width * scale + gap);
  const int panels = data.defined() ? 2 : 1;
  Canvas canvas(margin + panels * (grid + margin), top + per_row * (height * scale + gap) + margin);
  const Colour ink = {0, 0, 0};
  if (!title.empty()) canvas.text(margin, 8, title, ink, 2);
  int left = margin;
  for (const auto& [rows, name] : {std::pair<const Tensor*, std::string>{&data, "data"}, {&samples, "samples"}}) {
    if (!rows->defined()) continue;
    const std::vector<double> v = rows->to_vector();
    const auto shown = static_cast<int>(std::min<int64_t>(count, rows->size(0)));
    canvas.text(left, 8 + heading, name, ink, 2);
    for (int k = 0; k < shown; ++k) {
      const int x0 = left + (k % per_row) * (width * scale + gap), y0 = top + (k / per_row) * (height * scale + gap);
      for (int r = 0; r < height; ++r) {
        for (int c = 0; c < width; ++c) {
          const double t = std::clamp((v[static_cast<std::size_t>(k * pixels + r * width + c)] - low) / (high - low), 0.0, 1.0);
          const auto grey = static_cast<unsigned char>(std::lround(255 * (1 - t)));
          canvas.rectangle(x0 + c * scale, y0 + r * scale, x0 + (c + 1) * scale, y0 + (r + 1) * scale, {grey, grey, grey});
        }
      }
    }
    left += grid + margin;
  }
  write_png(path, canvas);
}

namespace {

/// "x1" for column 0 (appended, not "x" + …: GCC 12 warns falsely of an overlapping copy there).
std::string column_label(int column) {
  std::string label = "x";
  label += std::to_string(column + 1);
  return label;
}

}  // namespace

void plot_scatter_matrix(const std::string& path, const Tensor& data, const Tensor& samples, int columns, const std::string& title) {
  const auto k = static_cast<int>(std::min<int64_t>({static_cast<int64_t>(columns), data.size(1), 6}));
  if (k < 2) throw CliError(kUsageError, "a scatter matrix needs at least 2 columns");
  const std::vector<double> x = data.to_vector(), y = samples.defined() ? samples.to_vector() : std::vector<double>{};
  const int64_t d = data.size(1);
  // Each column's range over the data and the samples.
  std::vector<std::array<double, 2>> range(static_cast<std::size_t>(k), {INFINITY, -INFINITY});
  for (const std::vector<double>* values : {&x, &y}) {
    for (std::size_t i = 0; i < values->size(); ++i) {
      const auto c = static_cast<int64_t>(i % static_cast<std::size_t>(d));
      if (c >= k) continue;
      auto& r = range[static_cast<std::size_t>(c)];
      r = {std::min(r[0], (*values)[i]), std::max(r[1], (*values)[i])};
    }
  }
  const int heading = title.empty() ? 0 : kTitleHeight;
  const int panel = 150, gap = 10, margin = 30;
  Canvas canvas(margin + k * (panel + gap), heading + margin + k * (panel + gap) + 20);
  const Colour ink = {0, 0, 0}, grey = {150, 150, 150}, red = {230, 40, 40};
  const auto position = [&](int column, double value) {
    const auto& r = range[static_cast<std::size_t>(column)];
    return (value - r[0]) / std::max(r[1] - r[0], 1e-12);
  };
  for (int row = 0; row < k; ++row) {
    for (int column = 0; column < k; ++column) {
      const int left = margin + column * (panel + gap), top = heading + margin + row * (panel + gap);
      canvas.frame(left, top, panel, panel, ink);
      const auto draw = [&](const std::vector<double>& values, Colour colour) {
        const int64_t n = static_cast<int64_t>(values.size()) / d;
        if (row == column) {  // the column's histogram, 30 bins, as a step outline scaled to the panel
          std::vector<double> bins(30, 0);
          for (int64_t i = 0; i < n; ++i) {
            const double t = position(column, values[static_cast<std::size_t>(i * d + column)]);
            bins[static_cast<std::size_t>(std::min(29, static_cast<int>(t * 30)))] += 1;
          }
          const double tallest = *std::max_element(bins.begin(), bins.end());
          for (int b = 0; b < 30; ++b) {
            const int height = static_cast<int>(bins[static_cast<std::size_t>(b)] / std::max(tallest, 1.0) * (panel - 10));
            canvas.rectangle(left + b * panel / 30, top + panel - height, left + (b + 1) * panel / 30, top + panel - height + 2, colour);
          }
          return;
        }
        for (int64_t i = 0; i < n; i += std::max<int64_t>(1, n / 1500)) {
          const int px = left + static_cast<int>(position(column, values[static_cast<std::size_t>(i * d + column)]) * (panel - 1));
          const int py = top + panel - 1 - static_cast<int>(position(row, values[static_cast<std::size_t>(i * d + row)]) * (panel - 1));
          canvas.rectangle(px, py, px + 2, py + 2, colour);
        }
      };
      draw(x, grey);
      if (!y.empty()) draw(y, red);
      if (row == k - 1) canvas.text(left + panel / 2 - 6, top + panel + 4, column_label(column), ink, 2);
      if (column == 0) canvas.text(4, top + panel / 2 - 6, column_label(row), ink, 2);
    }
  }
  if (!title.empty()) canvas.text(margin, 8, title, ink, 2);
  canvas.text(margin, 8 + heading, "grey: data   red: samples   (the first " + std::to_string(k) + " of " + std::to_string(d) + " columns)", ink, 2);
  write_png(path, canvas);
}

void plot_chart(const std::string& path, const std::vector<ChartSeries>& series, const ChartOptions& options) {
  const int left = 80, right = 20, top = 56, bottom = 60;
  const int plot_width = options.width - left - right, plot_height = options.height - top - bottom;
  // The axes' ranges, in the drawn (possibly logarithmic) coordinates, padded by 5%.
  const auto to_axis = [](double value, bool log_scale) { return log_scale ? std::log10(value) : value; };
  double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
  for (const ChartSeries& curve : series) {
    for (std::size_t i = 0; i < curve.x.size(); ++i) {
      if ((options.log_x && !(curve.x[i] > 0)) || (options.log_y && !(curve.y[i] > 0))) {
        throw CliError(kUsageError, "plot_chart: a logarithmic axis needs positive values; '" + curve.label + "' has " +
                                        label(curve.x[i]) + ", " + label(curve.y[i]));
      }
      x_low = std::min(x_low, to_axis(curve.x[i], options.log_x));
      x_high = std::max(x_high, to_axis(curve.x[i], options.log_x));
      y_low = std::min(y_low, to_axis(curve.y[i], options.log_y));
      y_high = std::max(y_high, to_axis(curve.y[i], options.log_y));
    }
  }
  if (!(x_low < x_high) || !(y_low <= y_high)) throw CliError(kUsageError, "plot_chart: nothing to draw");
  if (y_low == y_high) y_high = y_low + 1;
  const double x_pad = 0.05 * (x_high - x_low), y_pad = 0.05 * (y_high - y_low);
  x_low -= x_pad, x_high += x_pad, y_low -= y_pad, y_high += y_pad;
  const auto pixel_x = [&](double x) { return left + (to_axis(x, options.log_x) - x_low) / (x_high - x_low) * plot_width; };
  const auto pixel_y = [&](double y) { return top + (y_high - to_axis(y, options.log_y)) / (y_high - y_low) * plot_height; };

  Canvas canvas(options.width, options.height);
  const Colour ink = {0, 0, 0}, grid = {225, 225, 225};
  // Ticks at 1, 2, 5 × 10ᵏ (linear) or at the powers of 10 (logarithmic), with grid lines.
  const auto ticks = [](double low, double high, bool log_scale) {
    if (!log_scale) return nice_ticks(low, high);
    std::vector<double> powers;
    for (double k = std::ceil(low); k <= high; k += 1) powers.push_back(std::pow(10.0, k));
    return powers;
  };
  for (double t : ticks(x_low, x_high, options.log_x)) {
    const double px = pixel_x(t);
    canvas.line(px, top, px, top + plot_height, grid);
    canvas.line(px, top + plot_height, px, top + plot_height + 5, ink);
    const std::string text = label(t);
    canvas.text(static_cast<int>(px) - Canvas::text_width(text, 2) / 2, top + plot_height + 9, text, ink, 2);
  }
  for (double t : ticks(y_low, y_high, options.log_y)) {
    const double py = pixel_y(t);
    canvas.line(left, py, left + plot_width, py, grid);
    canvas.line(left - 5, py, left, py, ink);
    const std::string text = label(t);
    canvas.text(left - 9 - Canvas::text_width(text, 2), static_cast<int>(py) - 6, text, ink, 2);
  }
  canvas.frame(left, top, plot_width, plot_height, ink);

  for (const ChartSeries& curve : series) {
    for (std::size_t i = 0; i < curve.x.size(); ++i) {
      const double px = pixel_x(curve.x[i]), py = pixel_y(curve.y[i]);
      if (curve.markers) {
        canvas.rectangle(static_cast<int>(px) - 3, static_cast<int>(py) - 3, static_cast<int>(px) + 4, static_cast<int>(py) + 4, curve.colour);
      } else if (i > 0) {
        canvas.line(pixel_x(curve.x[i - 1]), pixel_y(curve.y[i - 1]), px, py, curve.colour);
      }
    }
  }
  // Legend, top right: a swatch and the label of each series, in one column.
  int widest = 0;
  for (const ChartSeries& curve : series) widest = std::max(widest, Canvas::text_width(curve.label, 2));
  const int x = options.legend_left ? left + 12 : left + plot_width - widest - 36;
  int row = top + 8;
  for (const ChartSeries& curve : series) {
    canvas.rectangle(x - 4, row - 2, x + widest + 32, row + 18, {255, 255, 255});
    if (curve.markers) {
      canvas.rectangle(x + 6, row + 4, x + 13, row + 11, curve.colour);
    } else {
      canvas.line(x, row + 7, x + 18, row + 7, curve.colour);
    }
    canvas.text(x + 26, row + 1, curve.label, ink, 2);
    row += 20;
  }
  canvas.text(left, 8, options.title, ink, 2);
  canvas.text(left + plot_width / 2 - Canvas::text_width(options.x_label, 2) / 2, options.height - 24, options.x_label, ink, 2);
  canvas.text(8, top - 20, options.y_label, ink, 2);
  write_png(path, canvas);
}

}  // namespace ebm::tools
