// The page's two languages. `?lang=zh|en` picks one; without it the page is in Chinese, like the
// seed page it reproduces (the link in the header switches).

const TEXT = {
  zh: {
    title: "tickerd 实时行情",
    market: "行情",
    connecting: "连接中…",
    live: "实时",
    disconnected: "连接已断开，{s} 秒后重连（第 {n} 次）",
    reconnecting: "正在重连…",
    stale: "停滞",
    noData: "暂无数据",
    waiting: "等待数据…",
    unavailable: "不可用",
    feeds: "行情源",
    feedState: { up: "正常", connecting: "重连中", stale: "无数据", down: "已停止" },
    feedTrouble: "行情源异常：{list}",
    gas: "ETH Gas",
    gwei: "Gwei",
    gasDetail: "区块 {block} · 基础费 {base} · 慢 {slow} / 标准 {standard} / 快 {fast}",
    gasBase: "区块 {block} · 基础费 {base}",
    fng: "恐惧与贪婪指数",
    fngSource: { "alternative.me": "来源 alternative.me", computed: "来源 本地计算" },
    fngComputed: "本地计算 {v}",
    fortune: "今日运势评分",
    monthLuck: "本月运势",
    monthName: "{m}月",
    yi: "宜",
    ji: "忌",
    moon: "月相",
    clash: "日冲",
    almanacDate: "{date} {day}日 · {year}{animal}年",
    poweredBy: "Powered by tickerd",
    detail: "{sym} 详情",
    byVenue: "各交易所",
    openCoin: "{sym}：查看各交易所、最新成交与 1 分钟 K 线",
    candles: "1 分钟 K 线",
    candlesLabel: "{sym} 1 分钟 K 线，共 {n} 根；最新收盘 {close}；区间最高 {high}，最低 {low}",
    candlesNone: "{sym} 1 分钟 K 线：暂无成交",
    noHistory: "暂无历史 K 线，按实时成交绘制",
    trades: "最新成交",
    price: "价格",
    size: "数量",
    side: "方向",
    buy: "买",
    sell: "卖",
    missed: "连接过慢，漏掉 {n} 笔成交",
    notPublished: "本服务器未发布此数据",
    venue: "交易所",
    last: "最新价",
    bid: "买一",
    ask: "卖一",
    change: "24h",
    time: "时间",
    close: "关闭",
    listSep: "，",
    langSwitch: "English",
  },
  en: {
    title: "tickerd live market",
    market: "Market",
    connecting: "Connecting…",
    live: "Live",
    disconnected: "Disconnected — retrying in {s} s (attempt {n})",
    reconnecting: "Reconnecting…",
    stale: "stale",
    noData: "no data",
    waiting: "Waiting for data…",
    unavailable: "unavailable",
    feeds: "Feeds",
    feedState: { up: "up", connecting: "reconnecting", stale: "silent", down: "stopped" },
    feedTrouble: "Feed trouble: {list}",
    gas: "ETH Gas",
    gwei: "Gwei",
    gasDetail: "block {block} · base {base} · slow {slow} / standard {standard} / fast {fast}",
    gasBase: "block {block} · base {base}",
    fng: "Fear & Greed Index",
    fngSource: { "alternative.me": "source: alternative.me", computed: "source: computed" },
    fngComputed: "computed {v}",
    fortune: "Fortune score",
    monthLuck: "This month",
    monthName: "{m} month",
    yi: "Suits",
    ji: "Avoid",
    moon: "Moon",
    clash: "Clash",
    almanacDate: "{date} · day {day} · year {year} ({animal})",
    poweredBy: "Powered by tickerd",
    detail: "{sym} details",
    byVenue: "By venue",
    openCoin: "{sym}: venues, latest trades and 1m candles",
    candles: "1m candles",
    candlesLabel: "{sym} 1-minute candles, {n} shown; last close {close}; range high {high}, low {low}",
    candlesNone: "{sym} 1-minute candles: no trades yet",
    noHistory: "No candle history yet: drawn from live trades",
    trades: "Latest trades",
    price: "Price",
    size: "Size",
    side: "Side",
    buy: "Buy",
    sell: "Sell",
    missed: "Slow connection: missed {n} trades",
    notPublished: "This server does not publish it",
    venue: "Venue",
    last: "Last",
    bid: "Bid",
    ask: "Ask",
    change: "24h",
    time: "Time",
    close: "Close",
    listSep: ", ",
    langSwitch: "中文",
  },
};

// alternative.me's classifications and the seed page's Chinese for them.
const FNG_ZH = {
  "Extreme Fear": "极恐",
  Fear: "恐惧",
  Neutral: "中性",
  Greed: "贪婪",
  "Extreme Greed": "极贪",
};

export function pickLang(search) {
  const lang = new URLSearchParams(search).get("lang");
  return lang === "en" ? "en" : "zh";
}

export function makeI18n(lang) {
  const table = TEXT[lang];
  const t = (key, vars) => {
    let s = table[key];
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
    return s;
  };
  return {
    lang,
    t,
    table,
    // English shows the API's text exactly; Chinese maps the five known labels.
    fngLabel: (classification) =>
      lang === "zh" ? (FNG_ZH[classification] ?? classification) : classification,
    // A {zh, en} pair from the almanac.
    pick: (pair) => (pair ? (pair[lang] ?? pair.zh ?? "") : ""),
  };
}
