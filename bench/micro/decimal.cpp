// decimal::parse and decimal::to_chars on the kinds of text venues send: Binance's 8-digit
// padded amounts, short prices, large quote volumes, small sizes, signed percentages.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "tickerd/core/decimal.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::bench {
namespace {

constexpr std::array<std::string_view, 8> samples{
    "85205.70000000", "0.00123000", "1057654321.12345678", "85205.7", "-0.988",
    "3012.45",        "2.1834",     "12345.67890000",
};

std::array<decimal, samples.size()> parsed_samples() {
  std::array<decimal, samples.size()> out{};
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (decimal::parse(samples[i], out[i]) != decimal_errc::ok) std::abort();
  }
  return out;
}

void bm_decimal_parse(benchmark::State& state) {
  std::size_t i = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    decimal d;
    const auto text = samples[i];
    const auto e = decimal::parse(text, d);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(d);
    bytes += text.size();
    i = (i + 1) % samples.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(bm_decimal_parse)->Name("decimal/parse");

void bm_decimal_to_chars(benchmark::State& state) {
  const auto values = parsed_samples();
  char buf[decimal::max_chars];
  std::size_t i = 0;
  for (auto _ : state) {
    char* end = values[i].to_chars(buf);
    benchmark::DoNotOptimize(end);
    benchmark::ClobberMemory();
    i = (i + 1) % values.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_decimal_to_chars)->Name("decimal/to_chars");

// As encode_ticker writes them: a JSON string appended to a reused std::string.
void bm_decimal_append_json(benchmark::State& state) {
  const auto values = parsed_samples();
  std::string out;
  out.reserve(4096);
  std::size_t i = 0;
  for (auto _ : state) {
    if (out.size() > 4000) out.clear();
    json::append_decimal(out, values[i]);
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % values.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_decimal_append_json)->Name("decimal/append_json");

}  // namespace
}  // namespace tickerd::bench
