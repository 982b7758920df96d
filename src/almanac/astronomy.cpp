#include "almanac/astronomy.hpp"

#include <array>
#include <cmath>
#include <numbers>

namespace tickerd::almanac {
namespace {

constexpr double pi = std::numbers::pi;
constexpr double deg = pi / 180.0;
constexpr double seconds_per_day = 86400.0;
constexpr double unix_epoch_jd = 2440587.5;  // 1970-01-01T00:00:00Z
constexpr double j2000 = 2451545.0;          // 2000-01-01T12:00 TT
constexpr double tropical_year_days = 365.2422;
constexpr double synodic_month_days = 29.530589;

// One VSOP87 term: A cos(B + C τ), τ in Julian millennia of TT from J2000.
struct vsop_term {
  double a, b, c;
};

// VSOP87D (heliocentric, ecliptic and equinox of date) for the Earth, keeping the terms with an
// amplitude of at least 1e-6 rad (0.2″): P. Bretagnon & G. Francou, A&A 202, 309 (1988); the
// same series Meeus prints in Appendix III, slightly less truncated. Amplitudes in radians
// (longitude) and AU (radius).
constexpr std::array<vsop_term, 33> earth_l0{{
    {1.75347045673, 0.0, 0.0},
    {0.03341656456, 4.66925680417, 6283.07584999140},
    {0.00034894275, 4.62610241759, 12566.15169998280},
    {0.00003417571, 2.82886579606, 3.52311834900},
    {0.00003497056, 2.74411800971, 5753.38488489680},
    {0.00003135896, 3.62767041758, 77713.77146812050},
    {0.00002676218, 4.41808351397, 7860.41939243920},
    {0.00002342687, 6.13516237631, 3930.20969621960},
    {0.00001273166, 2.03709655772, 529.69096509460},
    {0.00001324292, 0.74246356352, 11506.76976979360},
    {0.00000901855, 2.04505443513, 26.29831979980},
    {0.00001199167, 1.10962944315, 1577.34354244780},
    {0.00000857223, 3.50849156957, 398.14900340820},
    {0.00000779786, 1.17882652114, 5223.69391980220},
    {0.00000990250, 5.23268129594, 5884.92684658320},
    {0.00000753141, 2.53339053818, 5507.55323866740},
    {0.00000505264, 4.58292563052, 18849.22754997420},
    {0.00000492379, 4.20506639861, 775.52261132400},
    {0.00000356655, 2.91954116867, 0.06731030280},
    {0.00000284125, 1.89869034186, 796.29800681640},
    {0.00000242810, 0.34481140906, 5486.77784317500},
    {0.00000317087, 5.84901952218, 11790.62908865880},
    {0.00000271039, 0.31488607649, 10977.07880469900},
    {0.00000206160, 4.80646606059, 2544.31441988340},
    {0.00000205385, 1.86947813692, 5573.14280143310},
    {0.00000202261, 2.45767795458, 6069.77675455340},
    {0.00000126184, 1.08302630210, 20.77539549240},
    {0.00000155516, 0.83306073807, 213.29909543800},
    {0.00000115132, 0.64544911683, 0.98032106820},
    {0.00000102851, 0.63599846727, 4694.00295470760},
    {0.00000101724, 4.26679821365, 7.11354700080},
    {0.00000132212, 3.41118275555, 2942.46342329160},
    {0.00000101895, 0.97569221824, 15720.83878487840},
}};
constexpr std::array<vsop_term, 6> earth_l1{{
    {6283.31966747491, 0.0, 0.0},
    {0.00206058863, 2.67823455584, 6283.07584999140},
    {0.00004303430, 2.63512650414, 12566.15169998280},
    {0.00000425264, 1.59046980729, 3.52311834900},
    {0.00000108977, 2.96618001993, 1577.34354244780},
    {0.00000119261, 5.79557487799, 26.29831979980},
}};
constexpr std::array<vsop_term, 3> earth_l2{{
    {0.00052918870, 0.0, 0.0},
    {0.00008719837, 1.07209665242, 6283.07584999140},
    {0.00000309125, 0.86728818832, 12566.15169998280},
}};
constexpr std::array<vsop_term, 1> earth_l3{{{0.00000289226, 5.84384198723, 6283.07584999140}}};
constexpr std::array<vsop_term, 1> earth_l4{{{0.00000114084, 3.14159265359, 0.0}}};

constexpr std::array<vsop_term, 17> earth_r0{{
    {1.00013988799, 0.0, 0.0},
    {0.01670699626, 3.09846350771, 6283.07584999140},
    {0.00013956023, 3.05524609620, 12566.15169998280},
    {0.00003083720, 5.19846674381, 77713.77146812050},
    {0.00001628461, 1.17387749012, 5753.38488489680},
    {0.00001575568, 2.84685245825, 7860.41939243920},
    {0.00000924799, 5.45292234084, 11506.76976979360},
    {0.00000542444, 4.56409149777, 3930.20969621960},
    {0.00000472110, 3.66100022149, 5884.92684658320},
    {0.00000328780, 5.89983646482, 5223.69391980220},
    {0.00000345983, 0.96368617687, 5507.55323866740},
    {0.00000306784, 0.29867139512, 5573.14280143310},
    {0.00000174844, 3.01193636534, 18849.22754997420},
    {0.00000243189, 4.27349536153, 11790.62908865880},
    {0.00000211829, 5.84714540314, 1577.34354244780},
    {0.00000185752, 5.02194447178, 10977.07880469900},
    {0.00000109835, 5.05510636285, 5486.77784317500},
}};
constexpr std::array<vsop_term, 3> earth_r1{{
    {0.00103018608, 1.10748969588, 6283.07584999140},
    {0.00001721238, 1.06442301418, 12566.15169998280},
    {0.00000702215, 3.14159265359, 0.0},
}};
constexpr std::array<vsop_term, 2> earth_r2{{
    {0.00004359385, 5.78455133738, 6283.07584999140},
    {0.00000123633, 5.57934722157, 12566.15169998280},
}};
constexpr std::array<vsop_term, 1> earth_r3{{{0.00000144595, 4.27319435148, 6283.07584999140}}};

template <std::size_t N>
double vsop_sum(const std::array<vsop_term, N>& terms, double tau) noexcept {
  double s = 0;
  for (const auto& t : terms) s += t.a * std::cos(t.b + t.c * tau);
  return s;
}

// Meeus table 47.A, longitude column: multiples of D, M, M', F and the sine coefficient in
// 1e-6 degrees. Terms with |M| = 1 or 2 are scaled by E or E² (eccentricity of Earth's orbit).
struct moon_term {
  std::int8_t d, m, mp, f;
  std::int32_t l;
};
constexpr std::array<moon_term, 59> moon_longitude_terms{{
    {0, 0, 1, 0, 6288774}, {2, 0, -1, 0, 1274027}, {2, 0, 0, 0, 658314},  {0, 0, 2, 0, 213618},
    {0, 1, 0, 0, -185116}, {0, 0, 0, 2, -114332},  {2, 0, -2, 0, 58793},  {2, -1, -1, 0, 57066},
    {2, 0, 1, 0, 53322},   {2, -1, 0, 0, 45758},   {0, 1, -1, 0, -40923}, {1, 0, 0, 0, -34720},
    {0, 1, 1, 0, -30383},  {2, 0, 0, -2, 15327},   {0, 0, 1, 2, -12528},  {0, 0, 1, -2, 10980},
    {4, 0, -1, 0, 10675},  {0, 0, 3, 0, 10034},    {4, 0, -2, 0, 8548},   {2, 1, -1, 0, -7888},
    {2, 1, 0, 0, -6766},   {1, 0, -1, 0, -5163},   {1, 1, 0, 0, 4987},    {2, -1, 1, 0, 4036},
    {2, 0, 2, 0, 3994},    {4, 0, 0, 0, 3861},     {2, 0, -3, 0, 3665},   {0, 1, -2, 0, -2689},
    {2, 0, -1, 2, -2602},  {2, -1, -2, 0, 2390},   {1, 0, 1, 0, -2348},   {2, -2, 0, 0, 2236},
    {0, 1, 2, 0, -2120},   {0, 2, 0, 0, -2069},    {2, -2, -1, 0, 2048},  {2, 0, 1, -2, -1773},
    {2, 0, 0, 2, -1595},   {4, -1, -1, 0, 1215},   {0, 0, 2, 2, -1110},   {3, 0, -1, 0, -892},
    {2, 1, 1, 0, -810},    {4, -1, -2, 0, 759},    {0, 2, -1, 0, -713},   {2, 2, -1, 0, -700},
    {2, 1, -2, 0, 691},    {2, -1, 0, -2, 596},    {4, 0, 1, 0, 549},     {0, 0, 4, 0, 537},
    {4, -1, 0, 0, 520},    {1, 0, -2, 0, -487},    {2, 1, 0, -2, -399},   {0, 0, 2, -2, -381},
    {1, 1, 1, 0, 351},     {3, 0, -2, 0, -340},    {4, 0, -3, 0, 330},    {2, -1, 2, 0, 327},
    {0, 2, 1, 0, -323},    {1, 1, -1, 0, 299},     {2, 0, 3, 0, 294},
}};

double normalize_degrees(double a) noexcept {
  a = std::fmod(a, 360.0);
  return a < 0 ? a + 360.0 : a;
}

// (-180, 180]
double wrap180(double a) noexcept {
  a = normalize_degrees(a);
  return a > 180.0 ? a - 360.0 : a;
}

// Julian Ephemeris Day (TT) of an instant given in (possibly fractional) Unix seconds.
double jde_of(double t) noexcept {
  const double jd = unix_epoch_jd + t / seconds_per_day;
  const double year = 2000.0 + (jd - j2000) / 365.25;
  return jd + delta_t_seconds(year) / seconds_per_day;
}

// Solves f(t) = target for an angle f that grows by about 360° per `period_days`, starting at
// `guess` (seconds). Each step corrects by the mean rate; the true rate differs from it by at
// most ~25 % (the Moon), so the error shrinks at least fourfold per step.
template <typename F>
double solve_angle(F angle_at, double target, double guess, double period_days) noexcept {
  constexpr int max_steps = 60;
  constexpr double tolerance_deg = 1e-6;  // ~0.1 s for the Sun, ~0.01 s for the Moon
  const double seconds_per_degree = period_days * seconds_per_day / 360.0;
  double t = guess;
  for (int i = 0; i < max_steps; ++i) {
    const double diff = wrap180(target - angle_at(t));
    t += diff * seconds_per_degree;
    if (std::fabs(diff) < tolerance_deg) break;
  }
  return t;
}

double sun_longitude_seconds(double t) noexcept {
  return sun_apparent_longitude(jde_of(t));
}

double elongation_seconds(double t) noexcept {
  const double jde = jde_of(t);
  return normalize_degrees(moon_geometric_longitude(jde) + nutation_in_longitude(jde) -
                           sun_apparent_longitude(jde));
}

}  // namespace

double julian_day(unix_seconds t) noexcept {
  return unix_epoch_jd + static_cast<double>(t) / seconds_per_day;
}

double delta_t_seconds(double y) noexcept {
  // Espenak & Meeus (2006), "Five Millennium Canon of Solar Eclipses", polynomials for 1900
  // to 2150; outside, the long-term parabola. 2005–2050 overestimates today's ΔT by a few
  // seconds, which moves the computed instants by as much: harmless at minute accuracy.
  if (y < 1900.0 || y >= 2150.0) {
    const double u = (y - 1820.0) / 100.0;
    return -20.0 + 32.0 * u * u;
  }
  if (y < 1920.0) {
    const double t = y - 1900.0;
    return -2.79 + 1.494119 * t - 0.0598939 * t * t + 0.0061966 * t * t * t -
           0.000197 * t * t * t * t;
  }
  if (y < 1941.0) {
    const double t = y - 1920.0;
    return 21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t * t * t;
  }
  if (y < 1961.0) {
    const double t = y - 1950.0;
    return 29.07 + 0.407 * t - t * t / 233.0 + t * t * t / 2547.0;
  }
  if (y < 1986.0) {
    const double t = y - 1975.0;
    return 45.45 + 1.067 * t - t * t / 260.0 - t * t * t / 718.0;
  }
  if (y < 2005.0) {
    const double t = y - 2000.0;
    return 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t +
           0.000651814 * t * t * t * t + 0.00002373599 * t * t * t * t * t;
  }
  if (y < 2050.0) {
    const double t = y - 2000.0;
    return 62.92 + 0.32217 * t + 0.005589 * t * t;
  }
  const double u = (y - 1820.0) / 100.0;
  return -20.0 + 32.0 * u * u - 0.5628 * (2150.0 - y);
}

double nutation_in_longitude(double jde) noexcept {
  const double t = (jde - j2000) / 36525.0;
  const double omega = (125.04452 - 1934.136261 * t) * deg;
  const double l_sun = (280.4665 + 36000.7698 * t) * deg;
  const double l_moon = (218.3165 + 481267.8813 * t) * deg;
  const double arcsec = -17.20 * std::sin(omega) - 1.32 * std::sin(2 * l_sun) -
                        0.23 * std::sin(2 * l_moon) + 0.21 * std::sin(2 * omega);
  return arcsec / 3600.0;
}

double sun_apparent_longitude(double jde) noexcept {
  const double tau = (jde - j2000) / 365250.0;
  const double l = vsop_sum(earth_l0, tau) +
                   tau * (vsop_sum(earth_l1, tau) +
                          tau * (vsop_sum(earth_l2, tau) +
                                 tau * (vsop_sum(earth_l3, tau) + tau * vsop_sum(earth_l4, tau))));
  const double r = vsop_sum(earth_r0, tau) +
                   tau * (vsop_sum(earth_r1, tau) +
                          tau * (vsop_sum(earth_r2, tau) + tau * vsop_sum(earth_r3, tau)));
  // Geocentric: the Sun is opposite the Earth. -0.09033″ takes VSOP87 to the FK5 frame;
  // aberration is -20.4898″ / R (Meeus 25.10, 25.11).
  const double theta = l / deg + 180.0;
  const double fk5 = -0.09033 / 3600.0;
  const double aberration = -20.4898 / 3600.0 / r;
  return normalize_degrees(theta + fk5 + nutation_in_longitude(jde) + aberration);
}

double moon_geometric_longitude(double jde) noexcept {
  const double t = (jde - j2000) / 36525.0;
  const double t2 = t * t;
  const double t3 = t2 * t;
  const double t4 = t3 * t;
  const double lp =
      218.3164477 + 481267.88123421 * t - 0.0015786 * t2 + t3 / 538841.0 - t4 / 65194000.0;
  const double d =
      297.8501921 + 445267.1114034 * t - 0.0018819 * t2 + t3 / 545868.0 - t4 / 113065000.0;
  const double m = 357.5291092 + 35999.0502909 * t - 0.0001536 * t2 + t3 / 24490000.0;
  const double mp =
      134.9633964 + 477198.8675055 * t + 0.0087414 * t2 + t3 / 69699.0 - t4 / 14712000.0;
  const double f =
      93.2720950 + 483202.0175233 * t - 0.0036539 * t2 - t3 / 3526000.0 + t4 / 863310000.0;
  const double e = 1.0 - 0.002516 * t - 0.0000074 * t2;
  const double a1 = 119.75 + 131.849 * t;
  const double a2 = 53.09 + 479264.290 * t;

  double sigma = 0;
  for (const auto& term : moon_longitude_terms) {
    const double arg = (term.d * d + term.m * m + term.mp * mp + term.f * f) * deg;
    double coeff = term.l;
    if (term.m == 1 || term.m == -1) coeff *= e;
    if (term.m == 2 || term.m == -2) coeff *= e * e;
    sigma += coeff * std::sin(arg);
  }
  sigma +=
      3958.0 * std::sin(a1 * deg) + 1962.0 * std::sin((lp - f) * deg) + 318.0 * std::sin(a2 * deg);
  return normalize_degrees(lp + sigma / 1e6);
}

double sun_longitude_at(unix_seconds t) noexcept {
  return sun_longitude_seconds(static_cast<double>(t));
}

double moon_longitude_at(unix_seconds t) noexcept {
  const double jde = jde_of(static_cast<double>(t));
  return normalize_degrees(moon_geometric_longitude(jde) + nutation_in_longitude(jde));
}

double lunar_elongation_at(unix_seconds t) noexcept {
  return elongation_seconds(static_cast<double>(t));
}

double moon_illumination_at(unix_seconds t) noexcept {
  return (1.0 - std::cos(lunar_elongation_at(t) * deg)) / 2.0;
}

unix_seconds next_sun_longitude(double longitude_deg, unix_seconds from) noexcept {
  const double ahead = normalize_degrees(longitude_deg - sun_longitude_at(from));
  const double guess =
      static_cast<double>(from) + ahead / 360.0 * tropical_year_days * seconds_per_day;
  return std::llround(solve_angle(sun_longitude_seconds, longitude_deg, guess, tropical_year_days));
}

unix_seconds previous_sun_longitude(double longitude_deg, unix_seconds from) noexcept {
  const double behind = normalize_degrees(sun_longitude_at(from) - longitude_deg);
  const double guess =
      static_cast<double>(from) - behind / 360.0 * tropical_year_days * seconds_per_day;
  return std::llround(solve_angle(sun_longitude_seconds, longitude_deg, guess, tropical_year_days));
}

unix_seconds next_lunar_phase(double elongation_deg, unix_seconds from) noexcept {
  const double ahead = normalize_degrees(elongation_deg - lunar_elongation_at(from));
  const double guess =
      static_cast<double>(from) + ahead / 360.0 * synodic_month_days * seconds_per_day;
  return std::llround(solve_angle(elongation_seconds, elongation_deg, guess, synodic_month_days));
}

unix_seconds previous_lunar_phase(double elongation_deg, unix_seconds from) noexcept {
  const double behind = normalize_degrees(lunar_elongation_at(from) - elongation_deg);
  const double guess =
      static_cast<double>(from) - behind / 360.0 * synodic_month_days * seconds_per_day;
  return std::llround(solve_angle(elongation_seconds, elongation_deg, guess, synodic_month_days));
}

}  // namespace tickerd::almanac
