// Low-precision positional astronomy for the almanac: the Sun's and the Moon's apparent
// ecliptic longitudes, the 24 solar terms and the Moon's principal phases, all as functions of a
// UTC instant. Algorithms from J. Meeus, "Astronomical Algorithms" (2nd ed., 1998): VSOP87D
// truncated (ch. 25 and 32), the Moon from ch. 47, nutation from ch. 22, ΔT from Espenak &
// Meeus (2006). Doubles are fine here: these are angles and instants, never prices.
// Accuracy (docs/ALMANAC.md): solar-term and lunar-phase instants to well under a minute
// between 1900 and 2100.
#pragma once

#include <cstdint>

namespace tickerd::almanac {

// Seconds since 1970-01-01T00:00:00Z (UTC, no leap seconds: POSIX time).
using unix_seconds = std::int64_t;

// The instants the astronomy is specified for: 1900-01-01 .. 2100-12-31 (UTC).
inline constexpr unix_seconds astronomy_min_time = -2208988800;  // 1900-01-01T00:00:00Z
inline constexpr unix_seconds astronomy_max_time = 4133980799;   // 2100-12-31T23:59:59Z

// Julian Day (UT) of an instant.
double julian_day(unix_seconds t) noexcept;

// ΔT = TT − UT in seconds for a decimal year (Espenak & Meeus polynomials).
double delta_t_seconds(double decimal_year) noexcept;

// Apparent geocentric ecliptic longitude of the Sun, degrees in [0, 360), at Julian Ephemeris
// Day `jde` (TT): VSOP87D Earth, FK5 correction, nutation and aberration.
double sun_apparent_longitude(double jde) noexcept;

// Geometric geocentric longitude of the Moon (mean equinox of date), degrees in [0, 360), at
// `jde`: Meeus ch. 47 (ELP-2000/82 truncated to 60 terms plus the additive terms).
double moon_geometric_longitude(double jde) noexcept;

// Nutation in longitude, degrees (Meeus ch. 22, the four largest terms, ±0.5″).
double nutation_in_longitude(double jde) noexcept;

// Apparent longitudes at a UTC instant.
double sun_longitude_at(unix_seconds t) noexcept;
double moon_longitude_at(unix_seconds t) noexcept;

// Moon − Sun apparent longitude, degrees in [0, 360): 0 new, 90 first quarter, 180 full,
// 270 last quarter.
double lunar_elongation_at(unix_seconds t) noexcept;

// Fraction of the Moon's disc illuminated, 0..1, from the elongation (the Moon's latitude is
// ignored: within a few per mille).
double moon_illumination_at(unix_seconds t) noexcept;

// The first instant at or after `from` when the Sun's apparent longitude equals
// `longitude_deg` (a multiple of 15 for a solar term), to about a second.
unix_seconds next_sun_longitude(double longitude_deg, unix_seconds from) noexcept;
// The last instant before or at `from` when it did.
unix_seconds previous_sun_longitude(double longitude_deg, unix_seconds from) noexcept;

// The first instant at or after `from` when the elongation equals `elongation_deg`
// (0 new moon, 90 first quarter, 180 full moon, 270 last quarter).
unix_seconds next_lunar_phase(double elongation_deg, unix_seconds from) noexcept;
unix_seconds previous_lunar_phase(double elongation_deg, unix_seconds from) noexcept;

}  // namespace tickerd::almanac
