// uPlot line charts that follow the VS Code theme and resize with the panel.
import uPlot from 'uplot';

export interface SeriesSpec {
  label: string;
  /** A --vscode-charts-* colour name: blue, red, green, yellow, orange, purple. */
  color: string;
  scale?: string;
  points?: boolean;
  dash?: number[];
  width?: number;
  format?: (v: number) => string;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: SeriesSpec[];
  height?: number;
  /** Fixed y range, e.g. [-1, 1] for MCC; otherwise auto. */
  yRange?: [number, number];
  xIntegers?: boolean;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

const fallbackColors: Record<string, string> = {
  blue: '#3794ff',
  red: '#f14c4c',
  green: '#89d185',
  yellow: '#cca700',
  orange: '#d18616',
  purple: '#b180d7',
};

export function themeColor(name: string): string {
  return cssVar(`--vscode-charts-${name}`, fallbackColors[name] ?? '#888');
}

export class LineChart {
  readonly plot: uPlot;
  private readonly observer: ResizeObserver;

  constructor(
    readonly container: HTMLElement,
    readonly spec: ChartSpec,
  ) {
    const fg = cssVar('--vscode-charts-foreground', cssVar('--vscode-foreground', '#ccc'));
    const grid = cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.25)');
    const font = `11px ${cssVar('--vscode-font-family', 'sans-serif')}`;
    const axis = (label: string): uPlot.Axis => ({
      label,
      stroke: fg,
      font,
      labelFont: font,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
    });
    const opts: uPlot.Options = {
      title: spec.title,
      width: Math.max(container.clientWidth, 240),
      height: spec.height ?? 220,
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: { time: false },
        // A fixed range keeps epochs comparable, widened when a value falls outside (MCC can be negative).
        y: spec.yRange ? { range: (_u, min, max) => [Math.min(spec.yRange![0], min ?? 0), Math.max(spec.yRange![1], max ?? 0)] } : { auto: true },
      },
      axes: [
        { ...axis(spec.xLabel), ...(spec.xIntegers ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000] } : {}) },
        axis(spec.yLabel),
      ],
      series: [
        { label: spec.xLabel },
        ...spec.series.map<uPlot.Series>((s) => ({
          label: s.label,
          stroke: themeColor(s.color),
          width: s.width ?? 1.5,
          dash: s.dash,
          spanGaps: true,
          points: { show: s.points ?? false, size: 6, fill: themeColor(s.color) },
          value: s.format ? (_u, v) => (v === null || v === undefined ? '–' : s.format!(v)) : undefined,
        })),
      ],
      legend: { show: true, live: true },
    };
    this.plot = new uPlot(opts, [[], ...spec.series.map(() => [])] as unknown as uPlot.AlignedData, container);
    this.observer = new ResizeObserver(() => {
      const width = Math.max(container.clientWidth, 240);
      if (Math.abs(width - this.plot.width) > 2) this.plot.setSize({ width, height: spec.height ?? 220 });
    });
    this.observer.observe(container);
  }

  setData(x: number[], ys: (number | null)[][]): void {
    this.plot.setData([x, ...ys] as unknown as uPlot.AlignedData);
    this.container.dataset.points = String(x.length);
  }

  /** The plot as a PNG data URL, with the theme background so it reads outside VS Code. */
  toPng(): string {
    const src = this.plot.ctx.canvas;
    const out = document.createElement('canvas');
    const titleHeight = 28 * (window.devicePixelRatio || 1);
    out.width = src.width;
    out.height = src.height + titleHeight;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = cssVar('--vscode-editor-background', '#1e1e1e');
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = cssVar('--vscode-foreground', '#ccc');
    ctx.font = `${14 * (window.devicePixelRatio || 1)}px sans-serif`;
    ctx.fillText(this.spec.title, 10, titleHeight * 0.7);
    ctx.drawImage(src, 0, titleHeight);
    return out.toDataURL('image/png');
  }

  dispose(): void {
    this.observer.disconnect();
    this.plot.destroy();
  }
}
