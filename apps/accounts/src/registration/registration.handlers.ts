import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { ConfirmEmail } from './confirm-email.service';
import { RegisterAccount } from './register-account.service';

@Injectable()
export class RegistrationHandlers {
  constructor(
    private readonly register: RegisterAccount,
    private readonly confirm: ConfirmEmail,
  ) {}

  readonly bound = defineHandlers(contracts.accounts.registration, {
    createRegistration: (input) => this.register.execute(input),
    confirmEmail: ({ confirmationToken }) => this.confirm.execute(confirmationToken),
  });
}
