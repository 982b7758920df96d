// The consolidated tape of one coin as the coin view lists it: newest first, at most `cap`
// trades, and how many trades a slow connection skipped (docs/PROTOCOL.md "Trades data": each
// update numbers its first trade, so a jump in `first` is the count of trades conflated away).
// Pure: no DOM; prices and sizes stay the strings tickerd sent.

export function createTape(cap) {
  // next: the `first` the next update should carry (null until one came); added: trades taken
  // since the tape began, so a renderer knows how many rows are new.
  return { cap, trades: [], next: null, missed: 0, added: 0 };
}

// Takes one `trades.<SYM>` data object; returns how many trades were missed just before it.
// A `first` below the expected one means tickerd restarted the channel: nothing is missed then,
// the count starts again from it.
export function addTrades(tape, data) {
  if (!data || !Array.isArray(data.trades) || !data.trades.length) return 0;
  const first = Number.isSafeInteger(data.first) ? data.first : null;
  let gap = 0;
  if (first !== null && tape.next !== null && first > tape.next) gap = first - tape.next;
  tape.missed += gap;
  tape.next = first === null ? null : first + data.trades.length;
  const fresh = [];
  data.trades.forEach((tr, k) => {
    fresh.push({
      n: first === null ? null : first + k,
      id: tr.id ?? null,
      price: String(tr.price ?? ""),
      qty: String(tr.qty ?? ""),
      side: tr.side === "buy" || tr.side === "sell" ? tr.side : null,
      venue: tr.venue ?? data.venue ?? "",
      ts: typeof tr.ts === "number" ? tr.ts : typeof tr.recv_ts === "number" ? tr.recv_ts : null,
    });
  });
  // The update lists its trades oldest first.
  fresh.reverse();
  tape.trades = fresh.concat(tape.trades).slice(0, tape.cap);
  tape.added += fresh.length;
  return gap;
}
