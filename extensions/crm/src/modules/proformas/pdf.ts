/**
 * The proforma as a PDF (stories 8, 42), generated on the server with pdfkit and the org's
 * branding (name and brand colour of `orgs`). Text is set in DejaVu Sans, a Unicode TrueType font
 * shipped by the `dejavu-fonts-ttf` package (pinned in package.json) and embedded as a subset, so
 * Turkish letters (ç ğ ı İ ö ş ü) are real text that prints, copies and searches correctly; no
 * system font is used. Amounts are shown with two decimals and their currency.
 *
 * pdfkit stays external to the extension bundle (extension.config.js): it reads its own data
 * files at run time.
 */
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { formatMoney, type ProformaLine, type ProformaTotal } from './rules.js';

const require = createRequire(import.meta.url);

/** The fonts' files, resolved from the installed package (never a system font). */
export function fontPaths(): { regular: string; bold: string } {
  return {
    regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
    bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  };
}

export interface ProformaDocument {
  code: string;
  issued_at: string;
  status: string;
  deal_code: string;
  org: { code: string; name: string; brand_color: string | null; email: string | null };
  customer: { legal_name: string; tax_number: string | null; country: string | null };
  lines: readonly ProformaLine[];
  totals: readonly ProformaTotal[];
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

export function renderProformaPdf(doc: ProformaDocument): Promise<Buffer> {
  const fonts = fontPaths();
  const color = doc.org.brand_color && HEX_COLOR.test(doc.org.brand_color) ? doc.org.brand_color : '#333333';
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 50,
    font: fonts.regular,
    info: { Title: `Proforma ${doc.code}`, Author: doc.org.name, Subject: `Proforma invoice ${doc.code}` },
  });
  pdf.registerFont('regular', fonts.regular);
  pdf.registerFont('bold', fonts.bold);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  const left = 50;
  const width = pdf.page.width - 100;
  // Branding band.
  pdf.rect(0, 0, pdf.page.width, 12).fill(color);
  pdf.fillColor(color).font('bold').fontSize(20).text(doc.org.name, left, 40);
  pdf.fillColor('#555555').font('regular').fontSize(9).text([doc.org.code, doc.org.email].filter(Boolean).join(' · '));
  pdf.moveDown(1.5);

  pdf.fillColor('#000000').font('bold').fontSize(16).text(`PROFORMA FATURA / PROFORMA INVOICE`);
  pdf.font('regular').fontSize(10);
  pdf.text(`No: ${doc.code}`);
  pdf.text(`Tarih / Date: ${doc.issued_at.slice(0, 10)}`);
  pdf.text(`Sipariş / Deal: ${doc.deal_code}`);
  pdf.moveDown();
  pdf.font('bold').text('Müşteri / Customer');
  pdf.font('regular').text(doc.customer.legal_name);
  if (doc.customer.tax_number) pdf.text(`Vergi No / Tax no: ${doc.customer.tax_number}`);
  if (doc.customer.country) pdf.text(doc.customer.country);
  pdf.moveDown();

  // Lines.
  const columns = [
    { title: '#', x: left, w: 25, align: 'left' as const },
    { title: 'Kalite / Quality', x: left + 25, w: 165, align: 'left' as const },
    { title: 'Metre / Meters', x: left + 190, w: 85, align: 'right' as const },
    { title: 'Birim fiyat / Unit price', x: left + 275, w: 110, align: 'right' as const },
    { title: 'Tutar / Amount', x: left + 385, w: width - 385, align: 'right' as const },
  ];
  const row = (cells: string[], bold = false) => {
    const y = pdf.y;
    pdf.font(bold ? 'bold' : 'regular').fontSize(9);
    cells.forEach((cell, i) => pdf.text(cell, columns[i]!.x, y, { width: columns[i]!.w, align: columns[i]!.align, lineBreak: false }));
    pdf.x = left;
    pdf.y = y + 16;
  };
  pdf.rect(left, pdf.y - 3, width, 16).fill('#f0f0f0');
  pdf.fillColor('#000000');
  row(
    columns.map((c) => c.title),
    true,
  );
  for (const line of doc.lines) {
    if (pdf.y > pdf.page.height - 120) pdf.addPage();
    row([
      String(line.line_no),
      line.quality_code,
      line.meters,
      formatMoney(line.unit_price, line.currency),
      formatMoney(line.amount, line.currency),
    ]);
  }
  pdf
    .moveTo(left, pdf.y)
    .lineTo(left + width, pdf.y)
    .strokeColor(color)
    .stroke();
  pdf.moveDown(0.5);
  for (const total of doc.totals) {
    row(['', '', '', `Toplam / Total ${total.currency}`, formatMoney(total.total, total.currency)], true);
  }
  pdf.moveDown(2);
  pdf
    .font('regular')
    .fontSize(8)
    .fillColor('#555555')
    .text(
      `Bu proforma fatura ${doc.org.name} tarafından düzenlenmiştir; ödeme teyidinden sonra sevkiyat onaylanır. ` +
        `This proforma invoice was issued by ${doc.org.name}; shipment is approved after the payment is confirmed.`,
      left,
      pdf.y,
      { width },
    );
  pdf.end();
  return done;
}
