import { describe, expect, it } from 'vitest';
import { htmlOf } from '#functions/reminders/dispatch';

describe('a reminder e-mail as HTML (SES tracks opens and clicks there)', () => {
  it('keeps paragraphs and lines, makes links clickable and escapes everything else', () => {
    const html = htmlOf('Bonjour <Léa> & co,\n\nLundi à 9h00\nConfirmer : https://api.example.test/r/ABC?a=confirm');
    expect(html).toContain('<p>Bonjour &lt;Léa&gt; &amp; co,</p>');
    expect(html).toContain(
      '<p>Lundi à 9h00<br>Confirmer : <a href="https://api.example.test/r/ABC?a=confirm">https://api.example.test/r/ABC?a=confirm</a></p>',
    );
    expect(html).not.toContain('<Léa>');
  });
});
