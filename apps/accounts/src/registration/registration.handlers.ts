import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { ConfirmEmail } from './confirm-email.service';
import { RegisterAccount } from './register-account.service';
import { ResendConfirmation } from './resend-confirmation.service';

@Injectable()
export class RegistrationHandlers {
  constructor(
    private readonly register: RegisterAccount,
    private readonly confirm: ConfirmEmail,
    private readonly resend: ResendConfirmation,
  ) {}

  readonly bound = defineHandlers(contracts.accounts.registration, {
    createRegistration: (input) => this.register.execute(input),
    confirmEmail: ({ confirmationToken }) => this.confirm.execute(confirmationToken),
    resendConfirmation: (input) => this.resend.execute(input),
  });
}
