// The server side of RFC 6455 after the opening handshake, as pure code without sockets:
// frames a client sends (masked, maybe fragmented, interleaved with control frames) turned
// into messages, and the headers of the unmasked frames the server sends.
//
// Why our own and not Beast's websocket::stream: a client's frames are read from the shard's
// one shared receive buffer, so an idle connection holds no read buffer and no pending read
// operation (Beast's stream holds ~4 KiB per connection), and an update goes out as one
// sendmsg of a header and the shared, already encoded texts.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

namespace tickerd::ws {

enum class opcode : std::uint8_t {
  continuation = 0,
  text = 1,
  binary = 2,
  close = 8,
  ping = 9,
  pong = 10,
};

// Status codes of close frames (RFC 6455 7.4.1).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t no_status = 1005;  // received a close frame without a code
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t try_again_later = 1013;
}  // namespace close_code

inline constexpr std::size_t max_frame_header_bytes = 10;  // unmasked: 2, 4 or 10
inline constexpr std::size_t max_control_payload = 125;

// Writes the header of one unmasked final frame carrying `payload_size` bytes into `out`;
// returns its length (2, 4 or 10).
std::size_t server_frame_header(opcode op, std::uint64_t payload_size, char* out) noexcept;

// A whole control frame from the server. A close reason is cut to fit 125 bytes, at a UTF-8
// character boundary; ping and pong payloads above 125 bytes are cut likewise.
std::string server_close_frame(std::uint16_t code, std::string_view reason);
std::string server_control_frame(opcode op, std::string_view payload);

// The opening handshake: whether a Sec-WebSocket-Key is base64 of 16 bytes, and the
// Sec-WebSocket-Accept answering it, base64(SHA-1(key + the RFC's GUID)).
bool valid_client_key(std::string_view key) noexcept;
std::string accept_key(std::string_view key);

// Whether a close frame may carry `code` (RFC 6455 7.4: 1000-1003, 1007-1014, 3000-4999).
bool valid_close_code(std::uint16_t code) noexcept;

struct frame_event {
  enum class kind : std::uint8_t { text, binary, ping, pong, close, error };
  kind what = kind::text;
  // text/binary: the whole message; ping/pong: the payload; close: the reason; error: why,
  // for the log and the close frame's reason.
  std::string_view payload;
  // close: the client's status code (1005 when the frame had none); error: the code the
  // server closes with (1002 protocol, 1007 bad UTF-8, 1009 too big).
  std::uint16_t code = 0;
};

// Turns the bytes a client sends into messages and control frames. Holds nothing while no
// frame is half-received: a frame cut by the end of the input is copied in, and completed
// from the next input. Masks are removed in place, so the input is modified.
//
//   reader.feed(data, size);
//   while (const auto* e = reader.next()) { ...use *e before the next call... }
//   reader.keep_rest();   // before the input goes away (copies an incomplete frame)
class frame_reader {
 public:
  explicit frame_reader(std::size_t max_message_bytes) noexcept
      : max_message_(static_cast<std::uint32_t>(
            std::min<std::size_t>(max_message_bytes, std::numeric_limits<std::uint32_t>::max()))) {}

  // Starts on new input. Must follow keep_rest() (or construction).
  void feed(char* data, std::size_t size);
  // The next event from the input, or nullptr when it is used up. After an error event,
  // always nullptr: the connection is to be closed.
  const frame_event* next();
  // Copies what next() left unread (an incomplete frame) so the input may be reused.
  void keep_rest();

  bool failed() const noexcept { return failed_; }
  // Bytes held between inputs: an incomplete frame and a fragmented message's start.
  std::size_t buffered() const noexcept {
    return held_ ? held_->partial.size() + held_->message.size() : 0;
  }

 private:
  const frame_event* fail(std::uint16_t code, std::string_view why);
  const frame_event* finish_data(opcode op, std::string_view payload, bool fin);
  const frame_event* control(opcode op, std::string_view payload);

  std::string& partial();
  std::string& message();

  // What outlives one input: allocated only while something is half-received (every idle
  // connection has a reader, and two empty strings were 64 of its bytes).
  struct held {
    std::string partial;  // an incomplete frame from earlier input, then the new input
    std::string message;  // a fragmented message's frames so far (unmasked)
  };
  std::unique_ptr<held> held_;
  char* in_ = nullptr;  // the input being read: the caller's, or partial()
  std::size_t in_size_ = 0;
  std::size_t in_used_ = 0;
  std::uint32_t max_message_;                 // at most 16 MiB (limits.max_message_bytes)
  opcode message_op_ = opcode::continuation;  // text/binary while a fragmented message is open
  bool in_partial_ = false;                   // in_ points into partial_
  bool clear_message_ = false;                // message_ was handed out; clear on next()
  bool failed_ = false;
  frame_event event_;
};

}  // namespace tickerd::ws
