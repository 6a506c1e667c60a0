import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { GatewayError, schemaErrorDetail } from '../http/errors.ts';
import type { ParsedBody } from './request-context.ts';

const maxReportedErrors = 50;

function newAjv(coerceTypes: boolean): Ajv {
  // allErrors so the partner sees every bad field at once; bodies are size-capped and patterns are linear.
  const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes, strictSchema: false });
  addFormats.default(ajv);
  return ajv;
}

/**
 * Step 4, validate: every inbound type has a versioned JSON Schema under schemas/. JSON is validated as is;
 * XML (all text) is validated by the same schema with type coercion, so "4" becomes 4 exactly where the
 * schema says integer.
 */
export class SchemaRegistry {
  private readonly json = newAjv(false);
  private readonly xml = newAjv(true);
  private readonly compiled = new Map<string, { json: ValidateFunction; xml: ValidateFunction }>();

  constructor(private readonly schemaDir: string) {}

  /** The schema itself, for documentation. */
  schemaOf(schemaFile: string): object {
    return JSON.parse(readFileSync(join(this.schemaDir, schemaFile), 'utf8'));
  }

  load(schemaFile: string): void {
    if (this.compiled.has(schemaFile)) return;
    const schema = this.schemaOf(schemaFile);
    this.compiled.set(schemaFile, { json: this.json.compile(schema), xml: this.xml.compile(schema) });
  }

  /** Returns the validated document (coerced for XML) or throws SCHEMA_INVALID naming every failing path. */
  validate(schemaFile: string, body: ParsedBody): Record<string, unknown> {
    this.load(schemaFile);
    const validators = this.compiled.get(schemaFile)!;
    const validate = body.format === 'xml' ? validators.xml : validators.json;
    const document = body.document;
    if (!validate(document)) {
      const details = (validate.errors ?? []).slice(0, maxReportedErrors).map(schemaErrorDetail);
      throw new GatewayError('SCHEMA_INVALID', `body does not match ${schemaFile}`, details);
    }
    return document as Record<string, unknown>;
  }
}
