import type { z } from 'zod';
import { describeConfigPath, valueAt } from './config-path.js';

/**
 * zod's issues in the connector's words: "must be a whole number (got text)" rather than "Invalid
 * input: expected int, received string". Never quotes a value from the config (it may be a secret).
 */
export function describeIssue(issue: z.core.$ZodIssue, input: { raw: unknown; normalized: unknown }): string {
  return `${describeConfigPath(issue.path, input.raw)}: ${issueMessage(issue, { value: valueAt(input.normalized, issue.path) })}`;
}

/** What was found where the issue is: the value itself, or (input unknown) zod's word for its type. */
type Found = { value: unknown } | { received: string | undefined };

/** For a document whose raw form is not at hand (e.g. the catalog): paths as zod gives them. */
export function describeIssueWithoutInput(issue: z.core.$ZodIssue): string {
  const zodWord = /received (\w+)/.exec(issue.message)?.[1];
  const received = zodWord === undefined ? undefined : (RECEIVED[zodWord] ?? zodWord);
  return `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)'}: ${issueMessage(issue, { received })}`;
}

function issueMessage(issue: z.core.$ZodIssue, found: Found): string {
  const value = 'value' in found ? found.value : undefined;
  const got = 'value' in found ? kindOf(found.value) : found.received;
  switch (issue.code) {
    case 'invalid_type':
      if ('value' in found ? value === undefined : got === 'undefined') return 'is required';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}${got ? ` (got ${got})` : ''}`;
    case 'too_small':
      return tooSmall(issue);
    case 'too_big':
      return tooBig(issue);
    case 'invalid_value':
      return `must be one of ${issue.values.map((option) => JSON.stringify(option)).join(', ')}`;
    case 'invalid_union':
      return `must be ${unionExpected(issue)}${got ? ` (got ${got})` : ''}`;
    case 'invalid_key':
      return issue.issues[0] ? issueMessage(issue.issues[0], { received: undefined }) : 'is not an allowed name';
    default:
      // custom and invalid_format: the schema's own messages, already written for people.
      return issue.message;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

/** "text, a number or true/false": what each branch of a union expected. */
function unionExpected(issue: z.core.$ZodIssueInvalidUnion): string {
  const expected = issue.errors.map((branch) => branch[0]).map((first) => (first?.code === 'invalid_type' ? (first.expected === 'boolean' ? 'true/false' : (EXPECTED[first.expected] ?? first.expected)) : undefined));
  if (expected.length === 0 || expected.some((word) => word === undefined)) return 'a value of another kind';
  return expected.length === 1 ? (expected[0] as string) : `${expected.slice(0, -1).join(', ')} or ${expected[expected.length - 1]}`;
}

/** zod's names for what it received, in the words kindOf uses. */
const RECEIVED: Record<string, string> = { string: 'text', number: 'a number', boolean: 'true/false', array: 'a list', object: 'an object' };

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number with decimals';
  if (typeof value === 'boolean') return 'true/false';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const minimum = Number(issue.minimum);
  if (issue.origin === 'string') return minimum <= 1 ? 'must not be empty' : `must be at least ${minimum} characters`;
  if (issue.origin === 'array') return `must have at least ${minimum} ${minimum === 1 ? 'entry' : 'entries'}`;
  return issue.inclusive === false ? `must be greater than ${minimum}` : `must be at least ${minimum}`;
}

function tooBig(issue: z.core.$ZodIssueTooBig): string {
  const maximum = Number(issue.maximum);
  if (issue.origin === 'string') return `must be at most ${maximum} characters`;
  if (issue.origin === 'array') return `must have at most ${maximum} entries`;
  return issue.inclusive === false ? `must be less than ${maximum}` : `must be at most ${maximum}`;
}
