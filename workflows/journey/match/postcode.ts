// UK postcodes: outward code, optional space, inward code; and the Girobank's GIR 0AA.
const UK = /(?<![\p{L}\p{N}])([A-PR-UWYZ][A-HK-Y]?\d[A-HJKPSTUW\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})(?![\p{L}\p{N}])/iu;
const GIRO = /(?<![\p{L}\p{N}])GIR ?0AA(?![\p{L}\p{N}])/iu;

/** The first UK postcode in a reply, upper-cased with one space: "sw1a1aa" → "SW1A 1AA". */
export function matchPostcode(text: string): string | undefined {
  const spaced = text.replace(/\s+/g, ' ');
  if (GIRO.test(spaced)) return 'GIR 0AA';
  const m = UK.exec(spaced);
  return m ? `${m[1]} ${m[2]}`.toUpperCase() : undefined;
}
