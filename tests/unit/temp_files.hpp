// A gtest fixture for tests that read files: a fresh directory under the temp dir per test
// (named by `prefix`, the run's seed and the test), removed with it; write() puts a file there.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

namespace tickerd::test {

class temp_files : public ::testing::Test {
 protected:
  explicit temp_files(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    const auto* unit = ::testing::UnitTest::GetInstance();
    dir = std::filesystem::temp_directory_path() /
          (prefix_ + "-" + std::to_string(unit->random_seed()) + "-" +
           unit->current_test_info()->name());
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  std::filesystem::path dir;

 private:
  std::string prefix_;
};

}  // namespace tickerd::test
