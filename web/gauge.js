// The Fear & Greed gauge: a half dial in five bands (alternative.me's classes) and a needle.
// Built once; an update only turns the needle.

const SVG_NS = "http://www.w3.org/2000/svg";
const CX = 100;
const CY = 100;
const R = 80;
const BANDS = [
  [0, 25, "var(--fng-extreme-fear)"],
  [25, 46, "var(--fng-fear)"],
  [46, 55, "var(--fng-neutral)"],
  [55, 76, "var(--fng-greed)"],
  [76, 100, "var(--fng-extreme-greed)"],
];

function point(value, radius) {
  const angle = Math.PI * (1 - value / 100);
  return [CX + radius * Math.cos(angle), CY - radius * Math.sin(angle)];
}

function el(name, attrs) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

export function createGauge(container, title) {
  const svg = el("svg", { viewBox: "0 0 200 112", class: "gauge", role: "img" });
  const label = el("title", {});
  label.textContent = title;
  svg.appendChild(label);
  for (const [from, to, colour] of BANDS) {
    const [x1, y1] = point(from, R);
    const [x2, y2] = point(to, R);
    svg.appendChild(
      el("path", {
        d: `M ${x1.toFixed(2)} ${y1.toFixed(2)} A ${R} ${R} 0 0 1 ${x2.toFixed(2)} ${y2.toFixed(2)}`,
        fill: "none",
        stroke: colour,
        "stroke-width": "16",
      }),
    );
  }
  // Turned with a CSS transform (origin at the pivot, in app.css) so that it can ease.
  const needle = el("g", { class: "needle" });
  needle.appendChild(el("path", { d: `M ${CX - 4} ${CY} L ${CX} ${CY - R + 14} L ${CX + 4} ${CY} Z` }));
  needle.appendChild(el("circle", { cx: CX, cy: CY, r: 6 }));
  svg.appendChild(needle);
  container.appendChild(svg);

  return {
    set(value) {
      const v = Math.max(0, Math.min(100, Number(value)));
      needle.style.transform = `rotate(${(v * 1.8 - 90).toFixed(1)}deg)`;
      svg.dataset.value = String(value);
    },
  };
}
