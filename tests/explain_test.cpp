// ebm explain, end to end: every loss, both routes of exact score matching, the DOT and SVG
// graphs, and the refusals.
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "cli_support.hpp"

namespace {

using ebm::testing::read;
using ebm::testing::run;
using ebm::testing::Scratch;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("explain prints, for every loss, the equation, the recorded ops by term, the terms' values and the final backward pass") {
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"sm", {"½‖∇E‖²", "∇ₓE and ΔE carried forward", "J = mean(½‖∇E‖² − ΔE)", "ΔE, mean over points"}},
      {"ssm", {"½(vᵀ∇E)²", "vᵀ∇E and vᵀ(∇²E)v carried forward", "vᵀ(∇²E)v, mean over points and v"}},
      {"dsm", {"the residual ∇E(x̃) − ε/σ > E(x)", "the residual ∇E(x̃) − ε/σ > ∇ₓE by a backward pass", "at σ = 0.1"}},
      {"nce", {"h(u) of the data > E(x)", "h(u) of the noise > E(x)", "mean softplus(−h(data))", "log Z"}},
      {"cd", {"E of the positives (data) > E(x)", "E of the negatives (sampler's chains) > E(x)", "mean E(x⁻), the negatives"}},
      {"pcd", {"E of the positives (data) > E(x)", "replay buffer"}},
  };
  for (const auto& [loss, parts] : expected) {
    CAPTURE(loss);
    const auto result = run("explain " + loss);
    CHECK(result.code == 0);
    for (const char* section : {"1. The equation", "2–3. What the tape records", "4. The terms and their values",
                                       "5. The backward pass to the parameters", "W1    [2, 8]", "‖∂J/∂θ‖ = "}) {
      CHECK_MESSAGE(contains(result.output, section), section);
    }
    for (const std::string& part : parts) CHECK_MESSAGE(contains(result.output, part), part);
    CHECK(!contains(result.output, "nan"));
  }
}

TEST_CASE("explain sm shows exact score matching both ways, and states that the routes agree to rounding") {
  const auto backward = run("explain sm --route backward");
  CHECK(backward.code == 0);
  CHECK(contains(backward.output, "The route to ΔE: backward"));
  CHECK(contains(backward.output, "ΔE by one backward pass per dimension"));
  CHECK(contains(backward.output, "order 2"));  // ΔE's ops: recorded by the rules of ∇E's ops
  CHECK(contains(backward.output, "6. The other route to ΔE, forward"));
  CHECK(contains(backward.output, "The two agree to rounding"));

  const auto forward = run("explain sm --route forward");
  CHECK(forward.code == 0);
  CHECK(contains(forward.output, "The route to ΔE: forward"));
  CHECK(!contains(forward.output, "order 1"));  // nothing recorded by a backward pass
  CHECK(contains(forward.output, "6. The other route to ΔE, backward"));
  CHECK(contains(forward.output, "The two agree to rounding"));
}

TEST_CASE("explain --dot writes the tape as a DOT graph clustered by term, and --svg renders it where Graphviz is installed") {
  Scratch scratch("explain_graph");
  CHECK(run("explain sm --route backward --dot tape.dot").code == 0);
  const std::string dot = read("tape.dot");
  CHECK(dot.rfind("digraph tape {", 0) == 0);
  CHECK(contains(dot, "subgraph cluster_"));
  CHECK(contains(dot, "label=\"ScoreMatchingLoss > ΔE by one backward pass per dimension\""));
  CHECK(contains(dot, "fillcolor=\"#f6c6c6\""));  // order 2
  CHECK(contains(dot, " -> n"));

  const auto existing = run("explain sm --dot tape.dot");
  CHECK(existing.code == 4);
  CHECK(contains(existing.output, "'tape.dot' exists"));

  const bool graphviz = std::system("command -v dot > /dev/null 2>&1") == 0;
  const auto svg = run("explain dsm --svg tape.svg");
  if (graphviz) {
    CHECK(svg.code == 0);
    CHECK(contains(read("tape.svg"), "<svg"));
  } else {
    CHECK(svg.code == 2);
    CHECK(contains(svg.output, "--svg needs Graphviz's dot"));
  }
}

TEST_CASE("explain refuses an unknown loss, a route for a loss other than sm, and an unknown route") {
  const auto unknown = run("explain mle");
  CHECK(unknown.code == 2);
  CHECK(contains(unknown.output, "known: sm, ssm, dsm, nce, cd, pcd"));
  const auto route = run("explain ssm --route backward");
  CHECK(route.code == 2);
  CHECK(contains(route.output, "applies to sm only"));
  const auto bad_route = run("explain sm --route sideways");
  CHECK(bad_route.code == 2);
  CHECK(contains(bad_route.output, "fastest, backward or forward"));
}
