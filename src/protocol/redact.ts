/**
 * Removes secret values from any text before it is printed. Defence in depth: messages are
 * written not to contain secrets, and this catches what slips through (e.g. an error echoing a
 * header).
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const values = new Set<string>();
    for (const secret of secrets) {
      if (!secret || secret.length < 4) continue;
      values.add(secret);
      values.add(encodeURIComponent(secret));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...values].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) {
      if (result.includes(secret)) result = result.split(secret).join('**********');
    }
    return result;
  }

  static readonly none = new Redactor([]);
}
