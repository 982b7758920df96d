// Exact operations on the decimal strings tickerd sends ("85205.70", "-0.99"). Prices are shown
// as the venue wrote them, so nothing here goes through a JS number.

const DECIMAL = /^-?\d+(\.\d+)?$/;

// tickerd sends up to 38 significant digits with up to 30 decimals (docs/PROTOCOL.md); the
// string arithmetic here has no limit of its own, this only bounds shortDecimal's search.
const MAX_SCALE = 30;

export function isDecimal(text) {
  return typeof text === "string" && DECIMAL.test(text);
}

function parts(text) {
  const negative = text.startsWith("-");
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf(".");
  let int = dot < 0 ? body : body.slice(0, dot);
  const frac = dot < 0 ? "" : body.slice(dot + 1);
  int = int.replace(/^0+(?=\d)/, "");
  const zero = /^0*$/.test(int) && /^0*$/.test(frac);
  return { negative: negative && !zero, int, frac };
}

function compareMagnitude(a, b) {
  if (a.int.length !== b.int.length) return a.int.length < b.int.length ? -1 : 1;
  if (a.int !== b.int) return a.int < b.int ? -1 : 1;
  const n = Math.max(a.frac.length, b.frac.length);
  const fa = a.frac.padEnd(n, "0");
  const fb = b.frac.padEnd(n, "0");
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

// -1, 0 or 1; null when either is not a decimal.
export function compareDecimal(a, b) {
  if (!isDecimal(a) || !isDecimal(b)) return null;
  const pa = parts(a);
  const pb = parts(b);
  if (pa.negative !== pb.negative) return pa.negative ? -1 : 1;
  const m = compareMagnitude(pa, pb);
  return pa.negative ? -m : m;
}

// -1, 0 or 1 for the sign of a decimal string; 0 for anything that is not one.
export function signOf(text) {
  if (!isDecimal(text)) return 0;
  const p = parts(text);
  if (p.negative) return -1;
  return /^0*$/.test(p.int) && /^0*$/.test(p.frac) ? 0 : 1;
}

// Rounds half away from zero to `places` decimals, in string arithmetic.
export function roundDecimal(text, places) {
  if (!isDecimal(text)) return null;
  const p = parts(text);
  if (p.frac.length <= places) {
    const frac = p.frac.padEnd(places, "0");
    return (p.negative ? "-" : "") + p.int + (places > 0 ? "." + frac : "");
  }
  const keep = p.int + p.frac.slice(0, places);
  const roundUp = p.frac.charCodeAt(places) >= 53; // '5'
  let digits = keep.split("");
  if (roundUp) {
    let i = digits.length - 1;
    while (i >= 0 && digits[i] === "9") digits[i--] = "0";
    if (i < 0) digits.unshift("1");
    else digits[i] = String.fromCharCode(digits[i].charCodeAt(0) + 1);
  }
  digits = digits.join("");
  const intLen = digits.length - places;
  const int = digits.slice(0, intLen) || "0";
  const frac = digits.slice(intLen);
  const zero = /^0*$/.test(int) && /^0*$/.test(frac);
  return (p.negative && !zero ? "-" : "") + int + (places > 0 ? "." + frac : "");
}

// A short reading of a small quantity such as a gas price: two decimals, or, below 0.01, enough
// decimals for two significant digits (0.0042 rather than 0.00).
export function shortDecimal(text, places = 2) {
  const rounded = roundDecimal(text, places);
  if (rounded === null || signOf(rounded) !== 0 || signOf(text) === 0) return rounded;
  const p = parts(text);
  const firstDigit = p.frac.search(/[1-9]/);
  return roundDecimal(text, Math.min(firstDigit + 2, MAX_SCALE));
}

// Decimals after the point: the precision a venue quotes at.
export function decimalsOf(text) {
  if (!isDecimal(text)) return 0;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

// The exact sum of two non-negative decimals (a book's sizes), at the larger of their scales
// ("0.5" + "0.00120000" = "0.50120000"); null when either is not one.
export function addDecimal(a, b) {
  if (!isDecimal(a) || !isDecimal(b) || signOf(a) < 0 || signOf(b) < 0) return null;
  const pa = parts(a);
  const pb = parts(b);
  const scale = Math.max(pa.frac.length, pb.frac.length);
  const width = Math.max(pa.int.length, pb.int.length) + scale;
  const da = (pa.int + pa.frac.padEnd(scale, "0")).padStart(width, "0");
  const db = (pb.int + pb.frac.padEnd(scale, "0")).padStart(width, "0");
  let carry = 0;
  let digits = "";
  for (let k = width - 1; k >= 0; --k) {
    const d = da.charCodeAt(k) + db.charCodeAt(k) - 96 + carry;
    carry = d >= 10 ? 1 : 0;
    digits = String(d % 10) + digits;
  }
  if (carry) digits = "1" + digits;
  const int = digits.slice(0, digits.length - scale).replace(/^0+(?=\d)/, "") || "0";
  return scale > 0 ? int + "." + digits.slice(digits.length - scale) : int;
}
