const COLORS = [36, 35, 33, 32, 34, 31];
const WIDTH = 8;
let next = 0;

/** One prefixed, colored log stream for several processes, like `docker compose up`. */
export function prefixedWriter(name: string): (line: string) => void {
  const color = COLORS[next++ % COLORS.length];
  const useColor = process.stdout.isTTY;
  const label = name.padEnd(WIDTH).slice(0, WIDTH);
  const prefix = useColor ? `\x1b[${color}m${label}|\x1b[0m ` : `${label}| `;
  return (line) => process.stdout.write(`${prefix}${line}\n`);
}
