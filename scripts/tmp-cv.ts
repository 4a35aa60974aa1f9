import { readFileSync } from 'node:fs';
import { classifyIntent, TRAINING, trainIntents, type Intents } from '../workflows/journey/nlu/model';
import { split } from './bench/nlu';
const all = JSON.parse(readFileSync('test/fixtures/nlu/replies.json','utf8')) as Intents;
const { train } = split(all);
const grid = JSON.parse(process.argv[2]);
for (const g of grid) {
  Object.assign(TRAINING, { epochs: 100, rate: 0.5, l2: 1e-4, minTripleCount: 2, tripleWeight: 0.5 }, g);
  let ok = 0, n = 0;
  for (let fold = 0; fold < 4; fold++) {
    const tr: Intents = {}; const te: [string,string][] = [];
    for (const [i, bl] of Object.entries(train)) { tr[i] = {}; for (const [l, ps] of Object.entries(bl)) { tr[i][l] = ps.filter((_, k) => k % 4 !== fold); ps.forEach((p, k) => k % 4 === fold && te.push([p, i])); } }
    const m = trainIntents(tr);
    for (const [p, i] of te) { n++; if (classifyIntent(m, p, 'auto')?.intent === i) ok++; }
  }
  console.log(JSON.stringify(g), (ok/n).toFixed(3));
}
if (process.argv[3]) {
  Object.assign(TRAINING, { epochs: 100, rate: 0.5, l2: 1e-4, minTripleCount: 2, tripleWeight: 0.5 });
  for (let fold = 0; fold < 4; fold++) {
    const tr: Intents = {}; const te: [string,string][] = [];
    for (const [i, bl] of Object.entries(train)) { tr[i] = {}; for (const [l, ps] of Object.entries(bl)) { tr[i][l] = ps.filter((_, k) => k % 4 !== fold); ps.forEach((p, k) => k % 4 === fold && te.push([p, i])); } }
    const m = trainIntents(tr);
    for (const [p, i] of te) { const g = classifyIntent(m, p, 'auto'); if (g?.intent !== i) console.log(i.padEnd(20), (g?.intent ?? '-').padEnd(20), g?.score, p); }
  }
}
