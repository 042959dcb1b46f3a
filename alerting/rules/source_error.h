#pragma once
// An error in a file hawatch read: FILE:LINE:COL: message, as --check-config prints them.

#include <string>

namespace hawatch::rules {

struct FileError {
  std::string file;
  int line = 0;  // 1-based; 0 when the error has no position (the file as a whole)
  int column = 0;
  std::string message;

  std::string to_string() const {
    if (line <= 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
  }
};

}  // namespace hawatch::rules
