import type { Command } from 'commander';
import { usage } from '../exit.js';
import type { CommandContext } from '../program.js';

const BASH = `# imagebuild bash completion: source <(imagebuild completion bash)
_imagebuild() {
  local IFS=$'\\n'
  COMPREPLY=( $(imagebuild __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
}
complete -o default -F _imagebuild imagebuild
`;

const ZSH = `#compdef imagebuild
# imagebuild zsh completion: source <(imagebuild completion zsh)
_imagebuild() {
  local -a candidates
  candidates=("\${(@f)$(imagebuild __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -- \${candidates}
}
compdef _imagebuild imagebuild
`;

const FISH = `# imagebuild fish completion: imagebuild completion fish | source
complete -c imagebuild -f -a '(imagebuild __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`;

export function registerCompletion(program: Command, ctx: CommandContext): void {
  program
    .command('completion')
    .description('print a shell completion script (commands, flags and live resource names)')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', '\nExamples:\n  source <(imagebuild completion bash)\n  imagebuild completion fish | source')
    .action((shell: string) => {
      const script = { bash: BASH, zsh: ZSH, fish: FISH }[shell];
      if (!script) throw usage(`completion ${shell}: unknown shell`, 'use bash, zsh or fish');
      ctx.io.out(script);
    });
}
