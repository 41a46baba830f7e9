import { describe, expect, it } from 'vitest';
import { redactPii, redactPiiText } from '../src/pii';
import { matchesAny, SCAN_WINDOW_CHARS, ScanPacer } from '../src/text-scan';

describe('windowed scanning', () => {
  it('redacts exactly what one pass over the whole text does, PII straddling window edges included', async () => {
    const pieces = ['jane.doe@example.com', '555-123-4567', '123-45-6789', '4111 1111 1111 1111', '10.0.0.12', '+1 (555) 123-4567'];
    let text = '';
    let i = 0;
    // Put a PII item across each window boundary (and many in between).
    while (text.length < SCAN_WINDOW_CHARS * 5) {
      const boundary = Math.ceil((text.length + 1) / SCAN_WINDOW_CHARS) * SCAN_WINDOW_CHARS;
      const piece = pieces[i++ % pieces.length]!;
      const gap = boundary - text.length - Math.floor(piece.length / 2);
      text += gap > 0 && gap < 40 ? `${' '.repeat(gap)}${piece} ` : `word ${piece}, `;
    }
    const windowed = await redactPiiText(text);
    const onePass = redactPii(text);
    expect(windowed.text).toBe(onePass.text);
    expect(windowed.findings.sort((a, b) => a.type.localeCompare(b.type))).toEqual(onePass.findings.sort((a, b) => a.type.localeCompare(b.type)));
    expect(windowed.text).not.toMatch(/jane\.doe|4567|6789/);
  });

  it('finds a phrase across a window edge, yields to the event loop, and stops when its signal aborts', async () => {
    const phrase = 'ignore   all\n previous instructions';
    const text = `${'x '.repeat(SCAN_WINDOW_CHARS / 2 - 10)}${phrase}${' y'.repeat(SCAN_WINDOW_CHARS)}`;
    let turns = 0;
    const ticker = setInterval(() => (turns += 1), 0);
    const found = await matchesAny(text, [/ignore (?:all )?previous instructions/], 4096, new ScanPacer(), (w) => w.toLowerCase().replace(/\s+/g, ' '));
    expect(found).toBe(true);
    const controller = new AbortController();
    controller.abort(new Error('budget spent'));
    await expect(redactPiiText('a@b.co '.repeat(SCAN_WINDOW_CHARS), new ScanPacer(controller.signal))).rejects.toThrow('budget spent');
    await redactPiiText('call 555-123-4567 '.repeat(SCAN_WINDOW_CHARS / 4));
    clearInterval(ticker);
    expect(turns).toBeGreaterThan(0);
  });
});
