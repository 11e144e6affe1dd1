/** Sample documents the knowledge tests generate: real PDF (pdf-lib) and DOCX (docx) files. */
import { Document, HeadingLevel, Packer, Paragraph } from 'docx';
import { PDFDocument, StandardFonts } from 'pdf-lib';

export interface SamplePage {
  heading?: string;
  lines: string[];
}

/** A PDF with a Title in its Info dictionary (optional), headings set at 24 pt over 11 pt body text. */
export async function makePdf(pages: SamplePage[], title?: string): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  if (title) pdf.setTitle(title);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  for (const p of pages) {
    const page = pdf.addPage([595, 842]);
    let y = 780;
    if (p.heading) {
      page.drawText(p.heading, { x: 50, y, size: 24, font: bold });
      y -= 40;
    }
    for (const line of p.lines) {
      page.drawText(line, { x: 50, y, size: 11, font });
      y -= 16;
    }
  }
  return Buffer.from(await pdf.save());
}

/** A DOCX with a core-properties title (optional) and Word heading styles. */
export async function makeDocx(
  sections: Array<{ heading: string; level?: 1 | 2; paragraphs: string[] }>,
  title?: string,
): Promise<Buffer> {
  const children = sections.flatMap((s) => [
    new Paragraph({ text: s.heading, heading: s.level === 2 ? HeadingLevel.HEADING_2 : HeadingLevel.HEADING_1 }),
    ...s.paragraphs.map((t) => new Paragraph({ text: t })),
  ]);
  const doc = new Document({ ...(title ? { title } : {}), sections: [{ children }] });
  return Packer.toBuffer(doc);
}
