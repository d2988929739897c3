/** Ctrl-C during training: the first asks the loop to stop after the current step (and save), the second aborts. */
export class Interrupt {
  requested = false;
  private readonly onSigint = () => {
    if (this.requested) process.exit(130);
    this.requested = true;
    this.say('Interrupted: stopping after this step and saving a checkpoint (Ctrl-C again to abort)');
  };

  constructor(private readonly say: (line: string) => void) {
    process.on('SIGINT', this.onSigint);
  }

  close(): void {
    process.off('SIGINT', this.onSigint);
  }
}
