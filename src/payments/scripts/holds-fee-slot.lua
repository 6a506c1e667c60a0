-- Prepended to the scripts that decide who holds a dossier+fee slot (payment-store.ts), so they agree on it:
-- a payment open, paid or under an operator's review keeps the fees; nobody is asked to pay them again meanwhile.
local function holdsFeeSlot(status)
  return status == 'pending' or status == 'paid' or status == 'needs-review'
end
