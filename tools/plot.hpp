// The energy (or density exp(−E)) of a 2-D model as a heat map, with data and samples overlaid,
// a colour bar and labelled axes, written as PNG.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "energies/energy_function.hpp"

namespace ebm::tools {

struct PlotOptions {
  int width = 640;
  int height = 520;
  bool density = false;  // plot exp(−(E − min E)) instead of E
  bool score = false;    // overlay the score field s = −∇E as arrows
  std::string title;     // what the picture shows (such as the loss and its σ), written before the legend
};

/// One arrow of the score field, in pixels of the plot area (origin at its top left, y down).
struct Arrow {
  double tail_x, tail_y, head_x, head_y;
};

/// The score s = −∇E at the centres of a grid of cells about `spacing` pixels wide over the plot
/// area (width × height pixels showing box), as arrows from each centre. Lengths are proportional
/// to ‖s‖, scaled so that the 95th percentile spans 0.9 of a cell; longer ones are clipped to it.
std::vector<Arrow> score_arrows(const energies::EnergyFunction& energy, const std::array<double, 4>& box, int width,
                                int height, int spacing = 24);

/// The filled rectangles {left, top, right, bottom} (pixels at scale 1, origin at the top left,
/// right and bottom exclusive) that draw `text` in stb_easy_font's glyphs, as the plots label axes.
std::vector<std::array<int, 4>> text_rectangles(const std::string& text);

/// Renders and writes the PNG atomically. box = {x_min, x_max, y_min, y_max}; data and samples
/// may be undefined (then not drawn).
void plot_energy(const std::string& path, const energies::EnergyFunction& energy, const std::array<double, 4>& box,
                 const Tensor& data, const Tensor& samples, const PlotOptions& options);

/// Rows of data and of samples [N, H·W] drawn as H × W grey images, side by side in two grids of up
/// to `count` images each (ink dark on white, each pixel's value mapped from [low, high] to white
/// … black, the range of the data's values); data may be undefined (then the samples alone). A
/// title, when given, is a line above the grids. Writes the PNG atomically.
void plot_images(const std::string& path, const Tensor& data, const Tensor& samples, int height, int width, int count = 100,
                 const std::string& title = "");

/// The first `columns` columns (2 to 6) of wide data and samples: a scatter plot of each pair of
/// columns (data grey, samples red) and, on the diagonal, each column's histogram (data grey,
/// samples red), labelled x1, x2, …; a title, when given, is a line above. Writes the PNG atomically.
void plot_scatter_matrix(const std::string& path, const Tensor& data, const Tensor& samples, int columns = 4, const std::string& title = "");

/// One curve of a chart: its points, drawn as a line or as markers, in an RGB colour.
struct ChartSeries {
  std::string label;
  std::array<unsigned char, 3> colour;
  std::vector<double> x, y;
  bool markers = false;  // squares at the points instead of a line through them
};

struct ChartOptions {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;  // logarithmic axes (every value must then be > 0)
  int width = 640, height = 480;
  bool legend_left = false;  // the legend in the top left corner instead of the top right
};

/// Renders the series on one pair of axes, with a legend, and writes the PNG atomically.
void plot_chart(const std::string& path, const std::vector<ChartSeries>& series, const ChartOptions& options);

}  // namespace ebm::tools
