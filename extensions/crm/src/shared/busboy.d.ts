// The slice of busboy 1.6 (no published types) the order form's multipart reader uses.
declare module 'busboy' {
  import type { IncomingHttpHeaders } from 'node:http';
  import type { Readable, Writable } from 'node:stream';
  interface Limits {
    fieldNameSize?: number;
    fieldSize?: number;
    fields?: number;
    fileSize?: number;
    files?: number;
    parts?: number;
    headerPairs?: number;
  }
  interface FileInfo {
    filename: string;
    encoding: string;
    mimeType: string;
  }
  interface Busboy extends Writable {
    on(event: 'file', listener: (name: string, stream: Readable & { truncated?: boolean }, info: FileInfo) => void): this;
    on(event: 'field', listener: (name: string, value: string, info: { nameTruncated: boolean; valueTruncated: boolean }) => void): this;
    on(event: 'partsLimit' | 'filesLimit' | 'fieldsLimit' | 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
  }
  function busboy(config: { headers: IncomingHttpHeaders; limits?: Limits; defParamCharset?: string }): Busboy;
  export default busboy;
}
