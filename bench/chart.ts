/**
 * The benchmark's chart: round trips per second of each server at each
 * concurrency as grouped bars, in hand-written SVG. bench/run.ts writes it next
 * to the report (bench/RESULTS.svg beside bench/RESULTS.md).
 *
 * @module
 */

/** One bar: a server's figure at one concurrency. */
export interface Bar {
  server: string;
  connections: number;
  roundTripsPerS: number;
}

const COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1"]
  .concat(["#ff9da7", "#9c755f", "#bab0ac", "#17becf", "#7f7f7f"]);
const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const at = (n: number) => Math.round(n * 10) / 10;
const text = (x: number, y: number, body: string, more = "") =>
  `<text x="${at(x)}" y="${at(y)}"${more}>${body}</text>`;
const MIDDLE = ' text-anchor="middle"';

/** The SVG: a group of bars per concurrency, a bar per server, a legend, labelled axes. */
export function chart(bars: Bar[], title = "Round trips per second (higher is better)"): string {
  const servers = [...new Set(bars.map((b) => b.server))];
  const levels = [...new Set(bars.map((b) => b.connections))].sort((a, b) => a - b);
  const highest = Math.max(1, ...bars.map((b) => b.roundTripsPerS).filter(Number.isFinite));
  const magnitude = 10 ** Math.floor(Math.log10(highest / 5));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s * 5 >= highest)!;
  const max = Math.ceil(highest / step) * step;
  const [left, top, height] = [80, 50, 320];
  const group = Math.max(120, (servers.length + 1) * 16);
  const width = group * levels.length;
  const bottom = top + height;
  const y = (v: number) => bottom - v / max * height;
  const bar = group / (servers.length + 1);
  const legend = left + width + 20;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${legend + 180}" height="${
      Math.max(bottom + 60, top + servers.length * 20)
    }" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    text(left, 26, escape(title), ' font-size="16"'),
  ];
  for (let v = 0; v <= max; v += step) {
    const label = v >= 1000 ? `${v / 1000}k` : `${v}`;
    out.push(
      `<line x1="${left}" x2="${left + width}" y1="${at(y(v))}" y2="${at(y(v))}" stroke="#ddd"/>`,
      text(left - 6, y(v) + 4, label, ' text-anchor="end"'),
    );
  }
  levels.forEach((connections, g) => {
    servers.forEach((server, i) => {
      const v = bars.find((b) => b.server === server && b.connections === connections)
        ?.roundTripsPerS;
      if (v === undefined || !Number.isFinite(v)) return;
      const figure = `${Math.round(v).toLocaleString("en-US")} round trips/s`;
      out.push(
        `<rect class="bar" x="${at(left + g * group + bar * (i + 0.5))}" y="${at(y(v))}" ` +
          `width="${at(bar - 1)}" height="${at(bottom - y(v))}" fill="${COLORS[i % 12]}">` +
          `<title>${escape(server)}, ${connections} connections: ${figure}</title></rect>`,
      );
    });
    const label = `${connections} connection${connections === 1 ? "" : "s"}`;
    out.push(text(left + (g + 0.5) * group, bottom + 18, label, MIDDLE));
  });
  out.push(
    `<path d="M${left} ${top}V${bottom}H${left + width}" fill="none" stroke="black"/>`,
    text(
      0,
      0,
      "round trips / s",
      ` transform="translate(22 ${top + height / 2}) rotate(-90)"${MIDDLE}`,
    ),
    text(left + width / 2, bottom + 44, "concurrent connections", MIDDLE),
    ...servers.map((server, i) =>
      `<rect class="key" x="${legend}" y="${top + i * 20}" width="12" height="12" ` +
      `fill="${COLORS[i % 12]}"/>${text(legend + 18, top + i * 20 + 11, escape(server))}`
    ),
    "</svg>",
  );
  return out.join("\n") + "\n";
}

/** Two charts in one SVG, the second below the first; the first alone if the second is "". */
export function stack(first: string, second: string): string {
  if (second === "") return first;
  const size = (svg: string) => {
    const [, width, height] = /<svg[^>]*width="([\d.]+)"[^>]*height="([\d.]+)"/.exec(svg) ?? [];
    return { width: Number(width), height: Number(height) };
  };
  const [a, b] = [size(first), size(second)];
  const inner = (svg: string, y: number) => svg.replace("<svg ", `<svg y="${y}" `);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.max(a.width, b.width)}" height="${
      a.height + b.height
    }">`,
    inner(first, 0),
    inner(second, a.height),
    "</svg>",
    "",
  ].join("\n");
}
