export interface Snippet {
  name: string;
  lang: string;
  code: string;
  line: number;
}
export function readmeSnippets(text: string): Snippet[];
export function readmeText(root: URL): string;
