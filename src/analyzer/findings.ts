// What the engine produces: findings with exact ranges, and the fixes computed with them.

export type Severity = 'error' | 'warning' | 'info';

/** Zero-based line and UTF-16 character, as in LSP. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  /** Absolute path of the file the edit applies to. */
  file: string;
  /** UTF-16 offsets into the analysed text. */
  start: number;
  end: number;
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  /** Preferred fixes are the ones `--fix` and `source.fixAll.bounded` apply. */
  preferred: boolean;
  edits: TextEdit[];
}

export interface Finding {
  rule: string;
  severity: Severity;
  /** Absolute path. */
  file: string;
  start: number;
  end: number;
  range: Range;
  message: string;
  fixes: Fix[];
}
