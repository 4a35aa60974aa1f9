// NLP.js ships no types; these are the few parts Parley uses, imported file by file.
declare module '@nlpjs/*' {
  const Part: new () => unknown;
  export default Part;
}
