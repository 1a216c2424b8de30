from sqlalchemy import select

from db.models import BusinessSettings
from db.services.business import ensure_business


async def test_business_row_is_created_once(session):
    first = await ensure_business(session, "Europe/Berlin")
    again = await ensure_business(session, "Europe/Berlin")
    await session.commit()
    assert first.id == again.id == 1
    rows = (await session.scalars(select(BusinessSettings))).all()
    assert [row.timezone for row in rows] == ["Europe/Berlin"]
