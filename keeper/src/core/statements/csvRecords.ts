/**
 * A small RFC 4180 reader: fields separated by commas, records by CRLF or LF; a field in double quotes may hold
 * commas, line breaks and doubled quotes (`""` is one `"`). A quote inside an unquoted field, text after a closing
 * quote, or a quote never closed makes that record invalid (reported with its line), not the whole file.
 */

export interface CsvRecord {
  readonly fields: string[];
  /** The line the record starts on, from 1. */
  readonly line: number;
  /** The record's text as written, without its line break. */
  readonly raw: string;
  /** Why the record is malformed (its fields are then not to be used). */
  readonly error?: string;
}

/**
 * Every record of `text` (a trailing line break does not start a record).
 *
 * @example
 * readCsvRecords('a,"b,c"\r\n"say ""hi""",d\n');
 * // [{ fields: ["a", "b,c"], line: 1, raw: 'a,"b,c"' }, { fields: ['say "hi"', "d"], line: 2, raw: '"say ""hi""",d' }]
 */
export function readCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    let error: string | undefined;
    let field = "";
    let end = -1;
    for (;;) {
      if (text[i] === '"') {
        // Quoted field: up to the closing quote, `""` being a quote.
        i++;
        let closed = false;
        while (i < text.length) {
          const char = text[i];
          if (char === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (char === "\n") line++;
          field += char;
          i++;
        }
        if (!closed) {
          error ??= `a quoted field opened on line ${startLine} is never closed`;
        } else if (i < text.length && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          error ??= `text after a closing quote on line ${line}`;
          while (i < text.length && text[i] !== "," && text[i] !== "\n") i++;
        }
      } else {
        while (i < text.length && text[i] !== "," && text[i] !== "\n") {
          if (text[i] === '"') error ??= `a quote inside an unquoted field on line ${line} (quote the whole field)`;
          field += text[i];
          i++;
        }
        if (field.endsWith("\r") && (i >= text.length || text[i] === "\n")) field = field.slice(0, -1);
      }
      if (text[i] === "\r" && text[i + 1] === "\n") i++;
      fields.push(field);
      field = "";
      if (i >= text.length) {
        end = text.length;
        break;
      }
      if (text[i] === ",") {
        i++;
        continue;
      }
      // A line break ends the record.
      end = text[i - 1] === "\r" && text[i] === "\n" ? i - 1 : i;
      i++;
      line++;
      break;
    }
    records.push({ fields, line: startLine, raw: text.slice(start, end), ...(error === undefined ? {} : { error }) });
  }
  return records;
}
