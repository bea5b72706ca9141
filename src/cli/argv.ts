// The one command-line walker of every `neural-debugger` command: flags with
// their value inline (`--epochs=3`) or as the next argument (`--epochs 3`).

export interface CliArg {
  /** The argument as given. */
  arg: string;
  /** The flag: the part before `=` of `--name=value`, else the whole argument. */
  flag: string;
  /** Takes the flag's value (inline, or the next argument); a missing value is a usage error. */
  value: () => string;
}

export function forEachArg(argv: string[], usageError: (message: string) => Error, visit: (a: CliArg) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, inline] = eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw usageError(`${flag} needs a value`);
      return v;
    };
    visit({ arg, flag, value });
  }
}
