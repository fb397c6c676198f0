/**
 * A reader for the parts of a Prisma schema the generator needs: model blocks (name, table,
 * database schema, fields and their column names) and the datasource. It reads text and never
 * rewrites it, so the user's formatting and comments stay exactly as they were; new models are
 * added as text by the caller.
 */

export interface PrismaSchemaFile {
  path: string;
  content: string;
}

export interface PrismaField {
  name: string;
  type: string;
  /** The database column: `@map("...")`, or the field name. */
  column: string;
}

export interface PrismaModel {
  name: string;
  file: string;
  /** The database table: `@@map("...")`, or the model name. */
  table: string;
  /** `@@schema("...")`, when the project uses several database schemas. */
  schema: string | undefined;
  fields: PrismaField[];
  /** The field lists of `@@index([...])` attributes. */
  indexes: string[][];
}

export interface PrismaDatasource {
  file: string;
  provider: string | undefined;
  /** `schemas = [...]`, when present. */
  schemas: string[] | undefined;
}

export interface PrismaSchemaSummary {
  models: PrismaModel[];
  datasource: PrismaDatasource | undefined;
  generatorFiles: string[];
}

const BLOCK_START = /^\s*(model|view|enum|type|datasource|generator)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{\s*(?:\/\/.*)?$/;
const BLOCK_END = /^\s*\}\s*(?:\/\/.*)?$/;
const FIELD = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z_][A-Za-z0-9_.]*)(\[\])?(\?)?(?:\s+(.*))?$/;

interface RawBlock {
  kind: string;
  name: string;
  body: string[];
}

function blocksOf(content: string): RawBlock[] {
  const blocks: RawBlock[] = [];
  let current: RawBlock | undefined;
  for (const line of content.split(/\r?\n/)) {
    if (!current) {
      const start = BLOCK_START.exec(line);
      if (start) current = { kind: start[1]!, name: start[2]!, body: [] };
      continue;
    }
    if (BLOCK_END.test(line)) {
      blocks.push(current);
      current = undefined;
    } else {
      current.body.push(line);
    }
  }
  return blocks;
}

/** The value of `@attr("...")` / `@attr(name: "...")` on a line, if present. */
function stringArgument(line: string, attribute: string): string | undefined {
  const escaped = attribute.replace(/[@.]/g, (c) => `\\${c}`);
  const match = new RegExp(`${escaped}\\(\\s*(?:name:\\s*)?"([^"]*)"`).exec(line);
  return match?.[1];
}

function withoutComment(line: string): string {
  // Comments start with // outside a string literal.
  let inString = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (c === '"' && line[i - 1] !== '\\') inString = !inString;
    if (!inString && c === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

function parseModel(block: RawBlock, file: string): PrismaModel {
  const fields: PrismaField[] = [];
  let table = block.name;
  let schema: string | undefined;
  const indexes: string[][] = [];
  for (const raw of block.body) {
    const line = withoutComment(raw).trim();
    if (line === '') continue;
    if (line.startsWith('@@')) {
      const index = /^@@index\(\s*(?:fields:\s*)?\[([^\]]*)\]/.exec(line);
      if (index) indexes.push(index[1]!.split(',').map((f) => f.trim().replace(/\(.*$/, '')).filter(Boolean));
      if (line.startsWith('@@map')) table = stringArgument(line, '@@map') ?? table;
      if (line.startsWith('@@schema')) schema = stringArgument(line, '@@schema');
      continue;
    }
    const match = FIELD.exec(line);
    if (!match) continue;
    const attributes = match[5] ?? '';
    fields.push({ name: match[1]!, type: match[2]!, column: stringArgument(attributes, '@map') ?? match[1]! });
  }
  return { name: block.name, file, table, schema, fields, indexes };
}

function parseDatasource(block: RawBlock, file: string): PrismaDatasource {
  const text = block.body.map(withoutComment).join('\n');
  const provider = /provider\s*=\s*"([^"]*)"/.exec(text)?.[1];
  const schemasText = /schemas\s*=\s*\[([^\]]*)\]/.exec(text)?.[1];
  const schemas = schemasText === undefined ? undefined : [...schemasText.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  return { file, provider, schemas };
}

/** Reads every model and the datasource of a (single- or multi-file) schema. */
export function summarizeSchema(files: readonly PrismaSchemaFile[]): PrismaSchemaSummary {
  const models: PrismaModel[] = [];
  let datasource: PrismaDatasource | undefined;
  const generatorFiles: string[] = [];
  for (const file of files) {
    for (const block of blocksOf(file.content)) {
      if (block.kind === 'model') models.push(parseModel(block, file.path));
      else if (block.kind === 'datasource') datasource ??= parseDatasource(block, file.path);
      else if (block.kind === 'generator') generatorFiles.push(file.path);
    }
  }
  return { models, datasource, generatorFiles };
}

/** Text of a model block as written in the file (from its doc comment to its closing brace), for tests and diagnostics. */
export function modelBlockText(content: string, modelName: string): string | undefined {
  const lines = content.split('\n');
  const start = lines.findIndex((line) => {
    const match = BLOCK_START.exec(line);
    return match?.[1] === 'model' && match[2] === modelName;
  });
  if (start < 0) return undefined;
  let first = start;
  while (first > 0 && lines[first - 1]!.trimStart().startsWith('///')) first -= 1;
  let end = start + 1;
  while (end < lines.length && !BLOCK_END.test(lines[end]!)) end += 1;
  return lines.slice(first, end + 1).join('\n');
}

/**
 * Adds field lines after a model's last field and attribute lines before its first block
 * attribute (or closing brace), leaving every other line as it was. For outboxkit's own models,
 * when an upgrade brings new columns or indexes.
 */
export function insertIntoModel(content: string, modelName: string, fieldLines: readonly string[], attributeLines: readonly string[]): string {
  const lines = content.split('\n');
  const start = lines.findIndex((line) => {
    const match = BLOCK_START.exec(line);
    return match?.[1] === 'model' && match[2] === modelName;
  });
  if (start < 0) return content;
  let end = start + 1;
  while (end < lines.length && !BLOCK_END.test(lines[end]!)) end += 1;
  let lastField = start;
  let firstAttribute = -1;
  for (let i = start + 1; i < end; i += 1) {
    const line = withoutComment(lines[i]!).trim();
    if (line.startsWith('@@')) {
      if (firstAttribute < 0) firstAttribute = i;
    } else if (line !== '' && FIELD.test(line)) {
      lastField = i;
    }
  }
  const attributeAt = firstAttribute < 0 ? end : firstAttribute;
  // Insert the attributes first: they sit below the fields, so the field index stays valid.
  const withAttributes =
    attributeLines.length === 0
      ? lines
      : [...lines.slice(0, attributeAt), ...(firstAttribute < 0 ? ['', ...attributeLines] : attributeLines), ...lines.slice(attributeAt)];
  return [...withAttributes.slice(0, lastField + 1), ...fieldLines, ...withAttributes.slice(lastField + 1)].join('\n');
}

/** Column widths of a model's field lines (`name   Type   @attrs`), to align added fields with them. */
export function fieldWidths(content: string, modelName: string): { name: number; type: number } | undefined {
  const block = blocksOf(content).find((b) => b.kind === 'model' && b.name === modelName);
  for (const raw of block?.body ?? []) {
    const match = /^\s*([A-Za-z_]\w*\s+)(\S+\s+)@/.exec(raw);
    if (match && !raw.trim().startsWith('@@') && !raw.trim().startsWith('//')) return { name: match[1]!.length, type: match[2]!.length };
  }
  return undefined;
}
