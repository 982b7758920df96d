#include "almanac/calendar.hpp"

#include <initializer_list>

namespace tickerd::almanac {
namespace {

constexpr std::array<text, 10> stems{{
    {"甲", "Jia"},
    {"乙", "Yi"},
    {"丙", "Bing"},
    {"丁", "Ding"},
    {"戊", "Wu"},
    {"己", "Ji"},
    {"庚", "Geng"},
    {"辛", "Xin"},
    {"壬", "Ren"},
    {"癸", "Gui"},
}};

constexpr std::array<text, 12> branches{{
    {"子", "Zi"},
    {"丑", "Chou"},
    {"寅", "Yin"},
    {"卯", "Mao"},
    {"辰", "Chen"},
    {"巳", "Si"},
    {"午", "Wu"},
    {"未", "Wei"},
    {"申", "Shen"},
    {"酉", "You"},
    {"戌", "Xu"},
    {"亥", "Hai"},
}};

constexpr std::array<text, 12> animals{{
    {"鼠", "Rat"},
    {"牛", "Ox"},
    {"虎", "Tiger"},
    {"兔", "Rabbit"},
    {"龙", "Dragon"},
    {"蛇", "Snake"},
    {"马", "Horse"},
    {"羊", "Goat"},
    {"猴", "Monkey"},
    {"鸡", "Rooster"},
    {"狗", "Dog"},
    {"猪", "Pig"},
}};

constexpr std::array<text, 5> elements{{
    {"木", "Wood"},
    {"火", "Fire"},
    {"土", "Earth"},
    {"金", "Metal"},
    {"水", "Water"},
}};

constexpr std::array<element, 12> branch_elements{{
    element::water,
    element::earth,
    element::wood,
    element::wood,
    element::earth,
    element::fire,
    element::fire,
    element::earth,
    element::metal,
    element::metal,
    element::earth,
    element::water,
}};

constexpr std::array<text, solar_term_count> solar_terms{{
    {"小寒", "Minor Cold"},
    {"大寒", "Major Cold"},
    {"立春", "Start of Spring"},
    {"雨水", "Rain Water"},
    {"惊蛰", "Awakening of Insects"},
    {"春分", "Spring Equinox"},
    {"清明", "Pure Brightness"},
    {"谷雨", "Grain Rain"},
    {"立夏", "Start of Summer"},
    {"小满", "Grain Buds"},
    {"芒种", "Grain in Ear"},
    {"夏至", "Summer Solstice"},
    {"小暑", "Minor Heat"},
    {"大暑", "Major Heat"},
    {"立秋", "Start of Autumn"},
    {"处暑", "End of Heat"},
    {"白露", "White Dew"},
    {"秋分", "Autumn Equinox"},
    {"寒露", "Cold Dew"},
    {"霜降", "Frost's Descent"},
    {"立冬", "Start of Winter"},
    {"小雪", "Minor Snow"},
    {"大雪", "Major Snow"},
    {"冬至", "Winter Solstice"},
}};

constexpr std::array<text, 12> officers{{
    {"建", "Establish"},
    {"除", "Remove"},
    {"满", "Full"},
    {"平", "Balance"},
    {"定", "Settle"},
    {"执", "Hold"},
    {"破", "Break"},
    {"危", "Danger"},
    {"成", "Success"},
    {"收", "Receive"},
    {"开", "Open"},
    {"闭", "Close"},
}};

// 彭祖百忌 in the wording of the printed almanacs (the seed widget shows the same lines).
constexpr std::array<text, 10> pengzu_stems{{
    {"甲不开仓财物耗散", "Jia day: open no granary, or wealth drains away"},
    {"乙不栽植千株不长", "Yi day: plant nothing, or a thousand seedlings fail"},
    {"丙不修灶必见灾殃", "Bing day: mend no stove, or disaster follows"},
    {"丁不剃头头必生疮", "Ding day: shave no head, or sores will grow"},
    {"戊不受田田主不祥", "Wu day: take on no land, or its owner has ill luck"},
    {"己不破券二比并亡", "Ji day: break no contract, or both parties lose"},
    {"庚不经络织机虚张", "Geng day: set up no loom, or it weaves in vain"},
    {"辛不合酱主人不尝", "Xin day: brew no sauce, or the host will never taste it"},
    {"壬不汲水更难提防", "Ren day: draw no water, or danger is hard to guard against"},
    {"癸不词讼理弱敌强", "Gui day: file no lawsuit, or a weak case meets a strong foe"},
}};
constexpr std::array<text, 12> pengzu_branches{{
    {"子不问卜自惹祸殃", "Zi day: seek no divination, or you invite misfortune"},
    {"丑不冠带主不还乡", "Chou day: hold no capping rite, or the heir never comes home"},
    {"寅不祭祀神鬼不尝", "Yin day: make no offerings, or the spirits will not partake"},
    {"卯不穿井水泉不香", "Mao day: dig no well, or its water will not be sweet"},
    {"辰不哭泣必主重丧", "Chen day: do not weep, or mourning comes twice"},
    {"巳不远行财物伏藏", "Si day: travel not far, or your wealth stays hidden"},
    {"午不苫盖屋主更张", "Wu day: thatch no roof, or the house changes hands"},
    {"未不服药毒气入肠", "Wei day: take no medicine, or poison enters the bowels"},
    {"申不安床鬼祟入房", "Shen day: set up no bed, or evil spirits enter the room"},
    {"酉不会客醉坐颠狂", "You day: entertain no guests, or they sit drunk and wild"},
    {"戌不吃犬作怪上床", "Xu day: eat no dog, or strange things climb into bed"},
    {"亥不嫁娶不利新郎", "Hai day: hold no wedding, or it goes badly for the groom"},
}};

constexpr std::array<text, 4> sha_directions{{
    {"南", "south"},
    {"东", "east"},
    {"北", "north"},
    {"西", "west"},
}};

// Bit helpers for the activity table.
constexpr std::uint16_t off(std::initializer_list<day_officer> list) {
  std::uint16_t mask = 0;
  for (const auto o : list) mask = static_cast<std::uint16_t>(mask | (1u << static_cast<int>(o)));
  return mask;
}
constexpr std::uint16_t bits(std::initializer_list<int> list) {
  std::uint16_t mask = 0;
  for (const int i : list) mask = static_cast<std::uint16_t>(mask | (1u << i));
  return mask;
}

using enum day_officer;
constexpr int jia = 0, yi = 1, bing = 2, ding = 3, wu = 4, ji = 5, geng = 6, xin = 7, ren = 8,
              gui = 9;
constexpr int zi = 0, chou = 1, yin = 2, mao = 3, si = 5, wu_b = 6, wei = 7, shen = 8, you = 9,
              hai = 11;

// The 宜/忌 rules, restricted to what depends on the day officer, the day stem and the day
// branch. Officer terms: 《钦定协纪辨方书》卷十一「用事」 and 《御定星历考原》卷六 (历例), plus the
// 建除十二客 verses appended to 彭祖百忌 (建宜出行不可开仓 … 闭不竖造只许安床); stem and
// branch terms: 彭祖百忌, and 协纪's 祭祀/求嗣 忌寅日, 沐浴 宜申酉亥子日, 栽种 忌乙日,
// 安床 忌申日, 出行 忌巳日. Where a verse and 协纪 disagree (安床 on 闭 days) the verse wins:
// docs/ALMANAC.md lists every rule with its source.
std::vector<activity> make_activity_table() {
  return {
      {{"祭祀", "Offerings and sacrifices"}, off({open}), 0, 0, bits({yin}), 0},
      {{"祈福", "Praying for blessings"},
       off({open}),
       off({establish, destruction, balance, receive}),
       0,
       0,
       0},
      {{"求嗣", "Praying for children"},
       off({open}),
       off({establish, destruction, balance, receive}),
       0,
       bits({yin}),
       0},
      {{"赴任", "Taking up a post"},
       off({remove, establish, open}),
       off({destruction, close, balance, receive, full}),
       0,
       0,
       0},
      {{"入学", "Starting school"}, off({settle, success, open}), off({destruction}), 0, 0, 0},
      {{"冠笄", "Coming-of-age rites"}, 0, 0, 0, bits({chou}), 0},
      {{"订盟", "Betrothal"},
       0,
       off({establish, destruction, close, balance, receive, full}),
       0,
       0,
       0},
      {{"嫁娶", "Weddings"}, 0, off({destruction, close, receive}), 0, bits({hai}), 0},
      {{"会亲友", "Meeting friends and family"}, 0, 0, 0, bits({you}), 0},
      {{"出行", "Travel"},
       off({establish, open}),
       off({destruction, balance, receive}),
       0,
       bits({si}),
       0},
      {{"移徙", "Moving house"},
       off({success, open}),
       off({destruction, close, balance, receive}),
       0,
       0,
       0},
      {{"安床", "Setting up a bed"},
       off({danger, close}),
       off({destruction, balance, receive}),
       0,
       bits({shen}),
       0},
      {{"沐浴", "Bathing"},
       0,
       off({establish, destruction, balance, receive}),
       0,
       0,
       bits({shen, you, hai, zi})},
      {{"理发", "Haircuts"}, 0, 0, bits({ding}), 0, 0},
      {{"求医", "Seeking medical treatment"},
       off({remove, destruction}),
       off({full}),
       0,
       bits({wei}),
       0},
      {{"针灸", "Acupuncture"}, off({remove}), 0, 0, 0, 0},
      {{"动土", "Breaking ground to build"},
       off({open}),
       off({establish, destruction, balance, receive, close}),
       0,
       0,
       0},
      {{"上梁", "Raising the roof beam"},
       0,
       off({establish, destruction, balance, receive, close}),
       0,
       0,
       0},
      {{"开市", "Opening a business"},
       off({full, success, open}),
       off({establish, destruction, balance, receive, close}),
       0,
       0,
       0},
      {{"交易", "Trading and signing deals"},
       off({full, success, open}),
       off({establish, destruction, balance, receive, close}),
       0,
       0,
       0},
      {{"纳财", "Collecting money"}, off({receive}), off({destruction}), 0, 0, 0},
      {{"开仓", "Opening the granary"}, 0, off({establish}), bits({jia}), 0, 0},
      {{"纳畜", "Buying livestock"},
       off({settle}),
       off({establish, destruction, balance, receive}),
       0,
       0,
       0},
      {{"牧养", "Raising livestock"}, 0, off({establish, destruction, balance, receive}), 0, 0, 0},
      {{"栽种", "Planting"}, 0, off({establish, destruction}), bits({yi}), 0, 0},
      {{"捕捉", "Catching and hunting"}, off({hold, receive}), 0, 0, 0, 0},
      {{"取渔", "Fishing"}, off({hold, danger, receive}), 0, 0, 0, 0},
      {{"乘船", "Boat trips"}, 0, off({danger}), 0, 0, 0},
      {{"平治道涂", "Levelling roads"}, off({balance}), 0, 0, 0, 0},
      {{"安机械", "Installing machinery"}, off({balance}), 0, bits({geng}), 0, 0},
      {{"穿井", "Digging wells"}, 0, 0, 0, bits({mao}), 0},
      {{"词讼", "Lawsuits"}, 0, off({success}), bits({gui}), 0, 0},
      {{"合酱", "Brewing sauce"}, 0, 0, bits({xin}), 0, 0},
      {{"置产", "Acquiring land"}, 0, 0, bits({wu}), 0, 0},
      {{"作灶", "Building a stove"}, 0, 0, bits({bing}), 0, 0},
      {{"问卜", "Divination"}, 0, 0, 0, bits({zi}), 0},
      {{"盖屋", "Roofing"}, 0, 0, 0, bits({wu_b}), 0},
      {{"汲水", "Drawing water"}, 0, 0, bits({ren}), 0, 0},
      {{"破券", "Breaking contracts"}, 0, 0, bits({ji}), 0, 0},
      {{"破屋", "Demolition"}, off({destruction}), 0, 0, 0, 0},
      {{"破土", "Breaking ground for a burial"},
       0,
       off({establish, destruction, balance, receive}),
       0,
       0,
       0},
      {{"安葬", "Burials"}, 0, off({establish, destruction, balance, receive, open}), 0, 0, 0},
  };
}

bool has(std::uint16_t mask, int bit) noexcept {
  return (mask & (1u << bit)) != 0;
}

}  // namespace

text stem_name(int stem) noexcept {
  return stems[static_cast<std::size_t>(floor_mod(stem, 10))];
}
text branch_name(int branch) noexcept {
  return branches[static_cast<std::size_t>(floor_mod(branch, 12))];
}
text zodiac_animal(int branch) noexcept {
  return animals[static_cast<std::size_t>(floor_mod(branch, 12))];
}

std::string ganzhi_zh(ganzhi g) {
  std::string s(stem_name(g.stem()).zh);
  s += branch_name(g.branch()).zh;
  return s;
}

std::string ganzhi_en(ganzhi g) {
  std::string s(stem_name(g.stem()).en);
  s += '-';
  s += branch_name(g.branch()).en;
  return s;
}

text element_name(element e) noexcept {
  return elements[static_cast<std::size_t>(e)];
}
element stem_element(int stem) noexcept {
  return static_cast<element>(floor_mod(stem, 10) / 2);
}
element branch_element(int branch) noexcept {
  return branch_elements[static_cast<std::size_t>(floor_mod(branch, 12))];
}

element_relation relate(element a, element b) noexcept {
  const int x = static_cast<int>(a);
  const int y = static_cast<int>(b);
  if (x == y) return element_relation::same;
  if ((x + 1) % 5 == y) return element_relation::generates;  // 木生火生土生金生水生木
  if ((y + 1) % 5 == x) return element_relation::generated_by;
  if ((x + 2) % 5 == y) return element_relation::overcomes;  // 木克土克水克火克金克木
  return element_relation::overcome_by;
}

text solar_term_name(int k) noexcept {
  return solar_terms[static_cast<std::size_t>(floor_mod(k, solar_term_count))];
}

text officer_name(day_officer o) noexcept {
  return officers[static_cast<std::size_t>(o)];
}

bool officer_auspicious(day_officer o) noexcept {
  switch (o) {
    case day_officer::remove:
    case day_officer::danger:
    case day_officer::settle:
    case day_officer::hold:
    case day_officer::success:
    case day_officer::open:
      return true;
    default:
      return false;
  }
}

text pengzu_stem(int stem) noexcept {
  return pengzu_stems[static_cast<std::size_t>(floor_mod(stem, 10))];
}
text pengzu_branch(int branch) noexcept {
  return pengzu_branches[static_cast<std::size_t>(floor_mod(branch, 12))];
}

text sha_direction(int day_branch) noexcept {
  return sha_directions[static_cast<std::size_t>(floor_mod(day_branch, 12) % 4)];
}

const std::vector<activity>& activities() noexcept {
  // Built on first use, so no other static initializer can see it half-made.
  static const std::vector<activity> table = make_activity_table();
  return table;
}

yi_ji day_yi_ji(day_officer officer, ganzhi day) {
  yi_ji lists;
  const int o = static_cast<int>(officer);
  const std::vector<activity>& table = activities();
  for (std::size_t i = 0; i < table.size(); ++i) {
    const activity& a = table[i];
    const bool bad =
        has(a.bad_officers, o) || has(a.bad_stems, day.stem()) || has(a.bad_branches, day.branch());
    const bool good = has(a.good_officers, o) || has(a.good_branches, day.branch());
    if (bad) {
      lists.ji.push_back(i);
    } else if (good) {
      lists.yi.push_back(i);
    }
  }
  return lists;
}

}  // namespace tickerd::almanac
