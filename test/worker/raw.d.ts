// Vite's `?raw` imports: a file's text (the protocol doc's examples are read this way).
declare module '*.md?raw' {
  const text: string;
  export default text;
}
