// What a fan-out sweep says about two servers (issue 6: the highest delivered messages/s with
// p99 within a limit, tickerd's against the Node peer's). The ratio is the measure only
// when both servers held the limit at some step; otherwise it says why there is none, and what
// the run can still tell (a bound, the ratio of peaks).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "load/core/results.hpp"

namespace tickerd::bench {

struct sweep_best {
  std::size_t steps = 0;
  double within_limit = 0;  // the highest delivered msg/s of a step with p99 <= the limit
  std::string within_text = "no step held the p99 limit";
  double peak = 0;  // the highest delivered msg/s of any step
  std::string peak_text = "no step";
  double lowest = 0;  // delivered msg/s at its lowest sim rate (the first step)
  std::string lowest_text;
  bool any_within() const noexcept { return within_limit > 0; }
};

// The runs labelled "<server> rate <r>" (sweep_server's labels), in the order they ran.
sweep_best best_of(const std::vector<run_result>& runs, const std::string& server,
                   double p99_limit_ms);

struct sweep_comparison {
  bool measured = false;             // both held the limit: `ratio` is the measure
  std::optional<double> ratio;       // tickerd / peer, best within the limit (only when measured)
  std::string ratio_text;            // "6.04×" or "not measured"
  std::string reason;                // why not, in a few words (for a table cell)
  std::string explanation;           // why not, and what this run can say instead
  std::optional<double> peak_ratio;  // tickerd / peer, peak delivered msg/s (for reference)
};

sweep_comparison compare_sweeps(const sweep_best& tickerd, const sweep_best& peer,
                                double p99_limit_ms);

}  // namespace tickerd::bench
