// Namespace aliases for Asio and Beast. Include only from .cpp files and I/O headers.
#pragma once

namespace boost::asio {}
namespace boost::beast {}

namespace tickerd {
namespace net = boost::asio;
namespace beast = boost::beast;
}  // namespace tickerd
