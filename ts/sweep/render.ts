/**
 * PNG and PDF copies of the figures, beside each SVG, when the optional renderers are
 * installed: the PNG by resvg (`@resvg/resvg-js`, prebuilt binaries shipped as npm
 * packages), the PDF, vector with its text as text, by PDFKit (`pdfkit` with
 * `svg-to-pdfkit`). Like vega, they are imported lazily, only when a figure is written,
 * and an installation without them writes the SVGs and says once how to get the copies.
 *
 * Sizes: a figure's SVG units are points at one column of a two-column paper (3.5 in =
 * 252 pt, figures.ts FIGURE_WIDTH), so the PDF page is the SVG's width and height in
 * points, and the PNG has PNG_DPI pixels per inch at that size (a 3.5 in column is 1050
 * pixels wide at 300 dpi).
 */
import { writeAtomic } from './files.js';

/** Pixels per inch of the PNG copies, at the figure's size in points (72 per inch). */
export const PNG_DPI = 300;

/** How to get the copies, when a renderer is missing (the CLI prints it once per run). */
export const NO_COPIES_NOTE =
  'figures written as SVG without PNG and PDF copies: for PNG (300 dpi) install @resvg/resvg-js, ' +
  'for PDF install pdfkit and svg-to-pdfkit, beside jcpba (npm install @resvg/resvg-js pdfkit svg-to-pdfkit), and run the command again ' +
  '(a sweep with --resume: nothing is recomputed)';

/** The two converters, each undefined when its packages are not installed. */
export interface Converters {
  /** SVG to PNG at PNG_DPI (resvg). */
  png?: (svg: string) => Uint8Array;
  /** SVG to a one-page PDF of the figure's size (PDFKit). */
  pdf?: (svg: string) => Promise<Uint8Array>;
}

function isMissingModule(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Imports an optional package by a name bundlers and tsc do not follow; undefined when it is not installed. */
async function optional(name: string): Promise<any> {
  try {
    return await import(name);
  } catch (e) {
    if (isMissingModule(e)) return undefined;
    throw e;
  }
}

/** The SVG's width and height (Vega writes both as plain numbers). */
export function svgSize(svg: string): { width: number; height: number } {
  const head = svg.slice(0, svg.indexOf('>') + 1);
  const width = Number(/\swidth="([\d.]+)"/.exec(head)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(head)?.[1]);
  if (!(width > 0 && height > 0)) throw new Error('svgSize: the SVG has no numeric width and height');
  return { width, height };
}

/**
 * The SVG with every dash pattern that has a zero length removed: Vega writes a solid
 * line's pattern as `1,0`, which SVG draws solid and PDFKit refuses.
 */
export function solidDashes(svg: string): string {
  return svg.replace(/ stroke-dasharray="([^"]*)"/g, (all, list: string) => (list.split(/[\s,]+/).some((x) => Number(x) === 0) ? '' : all));
}

let loaded: Promise<Converters> | undefined;

/** The converters whose packages load (imported once per process). */
export function loadConverters(): Promise<Converters> {
  loaded ??= (async () => {
    const out: Converters = {};
    const resvg = await optional('@resvg/resvg-js');
    if (resvg) {
      const Resvg = resvg.Resvg ?? resvg.default?.Resvg;
      out.png = (svg) =>
        new Resvg(svg, {
          fitTo: { mode: 'zoom', value: PNG_DPI / 72 },
          background: 'white',
          font: { loadSystemFonts: true, defaultFontFamily: 'Liberation Sans' },
        })
          .render()
          .asPng();
    }
    const [pdfkit, svgToPdf] = await Promise.all([optional('pdfkit'), optional('svg-to-pdfkit')]);
    if (pdfkit && svgToPdf) {
      const PDFDocument = pdfkit.default ?? pdfkit;
      const draw = svgToPdf.default ?? svgToPdf;
      out.pdf = (svg) =>
        new Promise((resolve, reject) => {
          const { width, height } = svgSize(svg);
          const doc = new PDFDocument({ size: [width, height], margin: 0, compress: true, info: { Title: 'jcpba figure', Producer: 'jcpba (PDFKit)' } });
          const chunks: Uint8Array[] = [];
          doc.on('data', (c: Uint8Array) => chunks.push(c));
          doc.on('end', () => resolve(Buffer.concat(chunks)));
          doc.on('error', reject);
          draw(doc, solidDashes(svg), 0, 0, { width, height, assumePt: true });
          doc.end();
        });
    }
    return out;
  })();
  return loaded;
}

/**
 * Writes `<stem>.png` and `<stem>.pdf` beside `<stem>.svg`, each when its renderer is
 * installed; returns the paths written and, when either renderer is missing, the note.
 */
export async function writeCopies(stem: string, svg: string): Promise<{ files: string[]; note?: string }> {
  const c = await loadConverters();
  const files: string[] = [];
  const failed: string[] = [];
  // A renderer that fails on a figure costs that copy, not the run: the results and the
  // SVG are written by then, and the note names the file and the renderer's reason.
  const copy = async (ext: string, make: () => Uint8Array | Promise<Uint8Array>) => {
    let data: Uint8Array;
    try {
      data = await make();
    } catch (e) {
      failed.push(`${stem}.${ext} not written (${e instanceof Error ? e.message : String(e)})`);
      return;
    }
    writeAtomic(`${stem}.${ext}`, data);
    files.push(`${stem}.${ext}`);
  };
  if (c.png) await copy('png', () => c.png!(svg));
  if (c.pdf) await copy('pdf', () => c.pdf!(svg));
  const notes = [...failed, ...(c.png && c.pdf ? [] : [NO_COPIES_NOTE])];
  return { files, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
}
