-- Argo CD health of a BootcVm, from its Ready condition and its phase (bootc.dev/BootcVm in argocd-cm's
-- resource.customizations.health.bootc.dev_BootcVm, see argocd-cm.yaml):
--   Ready True, at the resource's generation              -> Healthy
--   phase Failed (a failure no retry heals)                 -> Degraded
--   UpdateFailed True (the image asked for was rolled back) -> Degraded (the VM runs its previous image)
--   phase Updating (the image changes in place)             -> Progressing
--   runStrategy Halted and stopped, as asked                -> Suspended
--   anything else (no status yet, pulling, building, booting, a spec change not observed yet) -> Progressing
local hs = {status = "Progressing", message = "Waiting for the VM"}
if obj.status == nil then
  return hs
end
local ready = nil
local updateFailed = nil
local updating = nil
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" then ready = c end
    if c.type == "UpdateFailed" and c.status == "True" then updateFailed = c end
    if c.type == "Updating" and c.status == "True" then updating = c end
  end
end
local observed = obj.metadata.generation == nil or obj.status.observedGeneration == obj.metadata.generation
if ready ~= nil and ready.message ~= nil then hs.message = ready.message end
if obj.status.phase == "Failed" then
  hs.status = "Degraded"
elseif not observed then
  hs.status = "Progressing"
  hs.message = "A change of the spec is not applied yet"
elseif updateFailed ~= nil then
  hs.status = "Degraded"
  hs.message = updateFailed.message
elseif obj.status.phase == "Updating" then
  hs.status = "Progressing"
  if updating ~= nil and updating.message ~= nil then hs.message = updating.message end
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
elseif obj.spec ~= nil and obj.spec.runStrategy == "Halted" and obj.status.phase == "Stopped" then
  hs.status = "Suspended"
end
return hs
