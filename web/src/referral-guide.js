// Referral Guide's script: marks the page as JavaScript-enabled, then starts only the GOV.UK
// Frontend components the web channel uses. Pages work fully without it.
// Built by scripts/build-web-assets into one classic (non-module) file, so CSP needs no inline
// script and the offline pack could load it from file:// too.
import { Button, ErrorSummary, ExitThisPage, SkipLink, ServiceNavigation } from "govuk-frontend";

// What GOV.UK Frontend's page template does with an inline script (which our CSP forbids).
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
  const start = (selector, Component) => {
    document.querySelectorAll(selector).forEach((element) => {
      try {
        new Component(element);
      } catch (error) {
        // A component that cannot start leaves the plain HTML working.
      }
    });
  };
  start('[data-module="govuk-button"]', Button);
  start('[data-module="govuk-error-summary"]', ErrorSummary);
  start('[data-module="govuk-exit-this-page"]', ExitThisPage);
  start('[data-module="govuk-skip-link"]', SkipLink);
  start('[data-module="govuk-service-navigation"]', ServiceNavigation);
}
