import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { BUILDABLE_LAYER_TYPES } from '../../src/trainer/model';
import { LAYER_VARIANTS, loadModelSpec } from '../../src/spec';
import { generateSchema } from '../../src/spec/schema';

const ROOT = path.resolve(__dirname, '../..');
const SCHEMA_FILE = path.join(ROOT, 'schema/model-spec.schema.json');
const EXAMPLES = path.join(ROOT, 'examples');

const EXPECTED_EXAMPLES = [
  'spiral-mlp',
  'mnist-mlp',
  'mnist-cnn',
  'cifar10-cnn',
  'sequence-lstm',
  'tiny-transformer',
  'deep-sigmoid',
  'exploding',
  'dying-relu',
  'overfit-tiny',
  'mnist-finetune',
  'shapes-cnn',
  'shapes-numpy',
];

describe('model spec JSON Schema', () => {
  const text = fs.readFileSync(SCHEMA_FILE, 'utf8');

  it('is valid JSON, draft-07, and up to date with the field catalog', () => {
    const schema = JSON.parse(text);
    assert.strictEqual(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.deepStrictEqual(schema, JSON.parse(JSON.stringify(generateSchema())), 'regenerate: npx tsx src/spec/schema.ts > schema/model-spec.schema.json');
  });

  it('offers every layer type the builder accepts, and the builder accepts every catalogued type', () => {
    const schema = JSON.parse(text);
    const variants = schema.definitions['layer-type'].oneOf as { properties: { type: { const: string } } }[];
    const inSchema = variants.map((v) => v.properties.type.const).sort();
    assert.deepStrictEqual(inSchema, [...BUILDABLE_LAYER_TYPES].sort());
    assert.deepStrictEqual(Object.keys(LAYER_VARIANTS).sort(), [...BUILDABLE_LAYER_TYPES].sort());
    for (const type of BUILDABLE_LAYER_TYPES) assert.ok(text.includes(`"const": "${type}"`), type);
  });

  it('has a description on every property', () => {
    const missing: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (!node || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (record.properties && typeof record.properties === 'object') {
        for (const [key, value] of Object.entries(record.properties as Record<string, Record<string, unknown>>)) {
          if (typeof value.description !== 'string' || value.description === '') missing.push(`${where}.${key}`);
        }
      }
      for (const [key, value] of Object.entries(record)) walk(value, `${where}.${key}`);
    };
    walk(JSON.parse(text), '');
    assert.deepStrictEqual(missing, []);
  });
});

describe('docs/model-spec.md', () => {
  it('documents every layer type and every example', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/model-spec.md'), 'utf8');
    for (const type of BUILDABLE_LAYER_TYPES) assert.ok(doc.includes(`### \`${type}\``), `layer ${type}`);
    for (const name of EXPECTED_EXAMPLES) assert.ok(doc.includes(`${name}.nn.json`), `example ${name}`);
  });
});

describe('examples', () => {
  it('has exactly the expected example files', () => {
    const files = fs
      .readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.nn.json'))
      .map((f) => f.replace('.nn.json', ''));
    assert.deepStrictEqual(files.sort(), [...EXPECTED_EXAMPLES].sort());
  });

  for (const name of EXPECTED_EXAMPLES) {
    it(`${name} parses without errors or warnings, with a description and no relative schema reference (it would break when copied out)`, () => {
      const parsed = loadModelSpec(path.join(EXAMPLES, `${name}.nn.json`));
      assert.deepStrictEqual(parsed.warnings, []);
      assert.strictEqual(parsed.spec.name, name);
      assert.ok((parsed.spec.description ?? '').length > 40, 'description says what it shows');
      // The extension maps *.nn.json to the schema (package.json jsonValidation); the repository, .vscode/settings.json.
      assert.strictEqual(parsed.spec.$schema, undefined);
    });
  }
});
