// The one translation unit that compiles Asio (with OpenSSL support); every other file
// sees only declarations because of BOOST_ASIO_SEPARATE_COMPILATION.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
