// Hangul in Latin letters by the Revised Romanization of Korean, with the sound changes between
// syllables a place name needs (linking, nasal and liquid assimilation). The last resort of the
// English view: a name the network has no English for still reads as a name, not as Hangul.

const INITIAL = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"];
const MEDIAL = [
  "a",
  "ae",
  "ya",
  "yae",
  "eo",
  "e",
  "yeo",
  "ye",
  "o",
  "wa",
  "wae",
  "oe",
  "yo",
  "u",
  "wo",
  "we",
  "wi",
  "yu",
  "eu",
  "ui",
  "i",
];
// A final consonant before another consonant or at the end of the word (ㄳ ㄵ ㄶ … simplified).
const FINAL = [
  "",
  "k",
  "k",
  "k",
  "n",
  "n",
  "n",
  "t",
  "l",
  "k",
  "m",
  "l",
  "l",
  "l",
  "p",
  "l",
  "m",
  "p",
  "p",
  "t",
  "t",
  "ng",
  "t",
  "t",
  "k",
  "t",
  "p",
  "t",
];
// A final consonant carried over to a following syllable that starts with a vowel (silent ㅇ).
const LINKED = [
  "",
  "g",
  "kk",
  "ks",
  "n",
  "nj",
  "n",
  "d",
  "r",
  "lg",
  "lm",
  "lb",
  "ls",
  "lt",
  "lp",
  "r",
  "m",
  "b",
  "bs",
  "s",
  "ss",
  "ng",
  "j",
  "ch",
  "k",
  "t",
  "p",
  "",
];
const SILENT = 11; // ㅇ as an initial
const N = 2; // ㄴ
const R = 5; // ㄹ
const M = 6; // ㅁ
const NASAL: Record<string, string> = { k: "ng", t: "n", p: "m" };

const HANGUL = /[\uAC00-\uD7A3]+/g;

interface Syllable {
  initial: number;
  medial: number;
  final: number;
}

function split(ch: string): Syllable {
  const c = ch.charCodeAt(0) - 0xac00;
  return { initial: Math.floor(c / 588), medial: Math.floor((c % 588) / 28), final: c % 28 };
}

/** One run of Hangul syllables (a word), lower case. */
function romanizeWord(word: string): string {
  const s = [...word].map(split);
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const cur = s[i];
    const prev = i > 0 ? s[i - 1] : null;
    // the initial, as the previous syllable's final leaves it
    let initial = INITIAL[cur.initial];
    if (prev && prev.final !== 0) {
      const pf = FINAL[prev.final];
      if (cur.initial === SILENT) initial = "";
      else if (cur.initial === R && pf !== "l" && pf !== "n")
        initial = "n"; // 강릉 Gangneung, 독립 Dongnip
      else if (cur.initial === R) initial = "l"; // 신라 Silla, 달래 dallae
    }
    out += initial + MEDIAL[cur.medial];
    // the final, as the next syllable's initial takes it
    const next = i + 1 < s.length ? s[i + 1] : null;
    let final = FINAL[cur.final];
    if (next && cur.final !== 0) {
      if (next.initial === SILENT) final = LINKED[cur.final];
      else if (next.initial === N || next.initial === M || next.initial === R) {
        if (final === "n" && next.initial === R) final = "l";
        else if (final === "l" && next.initial === N) final = "l";
        else final = NASAL[final] ?? final;
      }
    }
    out += final;
    // 설날 seollal: ㄹ + ㄴ is ll, the next initial read as ㄹ after ㄹ
    if (next && FINAL[cur.final] === "l" && next.initial === N) s[i + 1] = { ...next, initial: R };
  }
  return out;
}

/** `text` with every run of Hangul romanized, each run capitalised as a name. */
export function romanize(text: string): string {
  return text.replace(HANGUL, (word) => {
    const r = romanizeWord(word);
    return r.charAt(0).toUpperCase() + r.slice(1);
  });
}

export function hasHangul(text: string): boolean {
  return /[\u1100-\u11FF\u3130-\u318F\uAC00-\uD7A3]/.test(text);
}
